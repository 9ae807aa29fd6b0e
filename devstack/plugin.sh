#!/bin/bash
#
# devstack plugin for masakari: masakari-api, masakari-engine and the four
# masakari monitors, all installed from this source tree.
#
# Controller phases run when masakari-api is enabled; the monitors are
# configured and started where masakari-monitors and n-cpu are enabled.

_XTRACE_MASAKARI=$(set +o | grep xtrace)
set -o xtrace

MASAKARI_MONITORS="processmonitor instancemonitor"
MASAKARI_MONITORS+=" introspectiveinstancemonitor hostmonitor"

# Files of masakari-dashboard linked into Horizon, each as
# <path in masakaridashboard/>:<directory in openstack_dashboard/>.
MASAKARI_DASHBOARD_LINKS="local/enabled/_50_masakaridashboard.py:local/enabled"
MASAKARI_DASHBOARD_LINKS+=" local/local_settings.d/_50_masakari.py"
MASAKARI_DASHBOARD_LINKS+=":local/local_settings.d"
MASAKARI_DASHBOARD_LINKS+=" conf/masakari_policy.yaml:conf"

function is_masakari_monitors_enabled {
    is_service_enabled masakari-monitors && is_service_enabled n-cpu
}

# Base URL of the API: under /instance-ha with uWSGI, on its own port
# otherwise.
function masakari_api_url {
    local url="$MASAKARI_SERVICE_PROTOCOL://$MASAKARI_SERVICE_HOST"
    if [[ "$MASAKARI_USE_MOD_WSGI" == "True" ]]; then
        echo "$url/instance-ha"
    else
        echo "$url:$MASAKARI_SERVICE_PORT"
    fi
}

# install_masakari() - Install the API, the engine and the monitors
function install_masakari {
    if [[ -n "$MASAKARI_MONITORS_REPO$MASAKARI_MONITORS_BRANCH" ]]; then
        local msg="MASAKARI_MONITORS_REPO and MASAKARI_MONITORS_BRANCH are"
        msg+=" ignored: the monitors are installed from $MASAKARI_DIR"
        warn $LINENO "$msg"
    fi
    # libvirt-python, for the instance monitors, only where they run.
    local extras=""
    if is_masakari_monitors_enabled; then
        extras=monitors
    fi
    setup_develop "$MASAKARI_DIR" $extras
}

function install_masakariclient {
    if use_library_from_git "python-masakariclient"; then
        git_clone_by_name "python-masakariclient"
        setup_dev_lib "python-masakariclient"
    else
        pip_install_gr python-masakariclient
    fi
}

# configure_masakari() - Write masakari.conf, api-paste.ini and the uWSGI
# configuration
function configure_masakari {
    sudo install -d -o "$STACK_USER" "$MASAKARI_CONF_DIR"
    cp "$MASAKARI_LOCAL_API_PASTE_INI" "$MASAKARI_API_PASTE_INI"

    # Every option of masakari, keystonemiddleware and oslo.db, commented
    # out; the values this deployment needs are set below.
    "$MASAKARI_BIN_DIR/oslo-config-generator" \
        --namespace masakari.conf \
        --namespace keystonemiddleware.auth_token \
        --namespace oslo.db \
        --output-file "$MASAKARI_CONF"

    iniset "$MASAKARI_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$MASAKARI_CONF" DEFAULT use_syslog "$SYSLOG"
    setup_logging "$MASAKARI_CONF"
    iniset "$MASAKARI_CONF" DEFAULT masakari_api_workers "$API_WORKERS"
    iniset_rpc_backend masakari "$MASAKARI_CONF"

    # Recovery flows keep their progress in the same database.
    local db_url
    db_url=$(database_connection_url masakari)
    iniset "$MASAKARI_CONF" database connection "$db_url"
    iniset "$MASAKARI_CONF" taskflow connection "$db_url"

    configure_keystone_authtoken_middleware "$MASAKARI_CONF" \
        "$MASAKARI_SERVICE_USER"

    # The engine stops, starts and evacuates servers as Nova's service user.
    iniset "$MASAKARI_CONF" DEFAULT os_privileged_user_name nova
    iniset "$MASAKARI_CONF" DEFAULT os_privileged_user_password \
        "$SERVICE_PASSWORD"
    iniset "$MASAKARI_CONF" DEFAULT os_privileged_user_tenant \
        "$SERVICE_PROJECT_NAME"
    iniset "$MASAKARI_CONF" DEFAULT os_privileged_user_auth_url \
        "$KEYSTONE_SERVICE_URI"
    iniset "$MASAKARI_CONF" DEFAULT os_region_name "$REGION_NAME"

    if is_service_enabled tls-proxy; then
        iniset "$MASAKARI_CONF" DEFAULT nova_ca_certificates_file \
            "$SSL_BUNDLE_FILE"
    fi

    if [[ "$MASAKARI_USE_MOD_WSGI" == "True" ]]; then
        write_uwsgi_config "$MASAKARI_UWSGI_CONF" "$MASAKARI_UWSGI" \
            "/instance-ha" "" "masakari-api"
        # The application reads masakari.conf and api-paste.ini there.
        iniset "$MASAKARI_UWSGI_CONF" uwsgi env \
            "OS_MASAKARI_CONFIG_DIR=$MASAKARI_CONF_DIR"
    elif is_service_enabled tls-proxy; then
        # The TLS proxy takes the public port.
        iniset "$MASAKARI_CONF" DEFAULT masakari_api_listen_port \
            "$MASAKARI_SERVICE_PORT_INT"
    fi
}

# create_masakari_accounts() - The service user, the instance-ha service and
# its endpoint
function create_masakari_accounts {
    create_service_user "$MASAKARI_SERVICE_USER" "admin"
    get_or_create_service "masakari" "instance-ha" \
        "OpenStack High Availability"
    get_or_create_endpoint "instance-ha" "$REGION_NAME" \
        "$(masakari_api_url)/v1/\$(tenant_id)s"
}

# Accounts the functional test jobs run against devstack log in with: a
# member and an admin of the alt_demo project.
function create_masakari_test_accounts {
    get_or_create_project alt_demo default
    get_or_create_user alt_demo "$ADMIN_PASSWORD" default
    get_or_create_user admin_alt_demo "$ADMIN_PASSWORD" default
    get_or_add_user_project_role member alt_demo alt_demo
    get_or_add_user_project_role admin admin_alt_demo alt_demo
}

# init_masakari() - Create the database at the latest schema
function init_masakari {
    recreate_database masakari
    "$MASAKARI_MANAGE" --config-file "$MASAKARI_CONF" db sync
}

function start_masakari {
    local options="--config-file $MASAKARI_CONF"
    if [[ "$MASAKARI_USE_MOD_WSGI" == "True" ]]; then
        local uwsgi
        uwsgi=$(which uwsgi)
        run_process masakari-api \
            "$uwsgi --procname-prefix masakari-api --ini $MASAKARI_UWSGI_CONF"
    else
        run_process masakari-api "$MASAKARI_BIN_DIR/masakari-api $options"
        if is_service_enabled tls-proxy; then
            start_tls_proxy masakari '*' "$MASAKARI_SERVICE_PORT" \
                "$MASAKARI_SERVICE_HOST" "$MASAKARI_SERVICE_PORT_INT"
        fi
    fi
    echo "Waiting for masakari-api to start..."
    if ! wait_for_service "$SERVICE_TIMEOUT" "$(masakari_api_url)"; then
        die $LINENO "masakari-api did not start"
    fi
    run_process masakari-engine "$MASAKARI_BIN_DIR/masakari-engine $options"
}

function stop_masakari {
    stop_process masakari-engine
    stop_process masakari-api
    remove_uwsgi_config "$MASAKARI_UWSGI_CONF" "masakari-api"
    sudo rm -rf "${MASAKARI_CONF_DIR:?}"/*
}

# configure_masakari_monitors() - Write masakarimonitors.conf and an empty
# process list
function configure_masakari_monitors {
    sudo install -d -o "$STACK_USER" "$MASAKARI_MONITORS_CONF_DIR"
    "$MASAKARI_MONITORS_BIN_DIR/oslo-config-generator" \
        --config-file "$MASAKARI_MONITORS_GENERATOR_CONF" \
        --output-file "$MASAKARI_MONITORS_CONF"

    local conf=$MASAKARI_MONITORS_CONF
    iniset "$conf" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$conf" DEFAULT use_syslog "$SYSLOG"
    setup_logging "$conf"

    # Notifications are sent as the masakari service user.
    iniset "$conf" api auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" api username "$MASAKARI_SERVICE_USER"
    iniset "$conf" api password "$SERVICE_PASSWORD"
    iniset "$conf" api project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" api user_domain_id default
    iniset "$conf" api project_domain_id default
    iniset "$conf" api region "$REGION_NAME"
    if is_service_enabled tls-proxy; then
        iniset "$conf" api cafile "$SSL_BUNDLE_FILE"
    fi

    local process_list=$MASAKARI_MONITORS_CONF_DIR/process_list.yaml
    iniset "$conf" process process_list_path "$process_list"
    cat > "$process_list" <<EOF
# Processes masakari-processmonitor restarts and reports when they die; the
# file is read again at every check. Entry format: process_list.yaml.sample
# in $MASAKARI_MONITORS_DIR/etc/masakarimonitors.
[]
EOF
    # The process monitor refuses a list that others may write to, and a
    # login shell's umask (002) would make it group-writable.
    chmod 0644 "$process_list"
}

function start_masakari_monitors {
    local monitor options="--config-file $MASAKARI_MONITORS_CONF"
    for monitor in $MASAKARI_MONITORS; do
        run_process "masakari-$monitor" \
            "$MASAKARI_MONITORS_BIN_DIR/masakari-$monitor $options"
    done
}

function stop_masakari_monitors {
    local monitor
    for monitor in $MASAKARI_MONITORS; do
        stop_process "masakari-$monitor"
    done
    sudo rm -rf "${MASAKARI_MONITORS_CONF_DIR:?}"/*
}

function install_masakari_dashboard {
    git_clone "$MASAKARI_DASHBOARD_REPO" "$MASAKARI_DASHBOARD_DIR" \
        "$MASAKARI_DASHBOARD_BRANCH"
    setup_develop "$MASAKARI_DASHBOARD_DIR"
    local link
    for link in $MASAKARI_DASHBOARD_LINKS; do
        ln -fs "$MASAKARI_DASHBOARD_DIR/masakaridashboard/${link%%:*}" \
            "$HORIZON_DIR/openstack_dashboard/${link#*:}/"
    done
}

function uninstall_masakari_dashboard {
    local link file
    for link in $MASAKARI_DASHBOARD_LINKS; do
        file=${link%%:*}
        rm -f "$HORIZON_DIR/openstack_dashboard/${link#*:}/${file##*/}"
    done
}

if [[ "$1" == "stack" && "$2" == "install" ]]; then
    if is_service_enabled masakari-api || is_masakari_monitors_enabled; then
        echo_summary "Installing masakari"
        install_masakari
    fi
    if is_service_enabled masakari-api; then
        install_masakariclient
    fi

elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
    if is_service_enabled masakari-api; then
        echo_summary "Configuring masakari"
        configure_masakari
        if is_service_enabled keystone; then
            create_masakari_accounts
        fi
    fi
    if is_masakari_monitors_enabled; then
        echo_summary "Configuring the masakari monitors"
        configure_masakari_monitors
    fi

elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
    if is_service_enabled masakari-api; then
        echo_summary "Starting masakari"
        init_masakari
        if is_service_enabled keystone; then
            create_masakari_test_accounts
        fi
        start_masakari
        if is_service_enabled horizon; then
            install_masakari_dashboard
        fi
    fi
    if is_masakari_monitors_enabled; then
        echo_summary "Starting the masakari monitors"
        start_masakari_monitors
    fi

elif [[ "$1" == "unstack" ]]; then
    if is_service_enabled masakari-api; then
        stop_masakari
        if is_service_enabled horizon; then
            uninstall_masakari_dashboard
        fi
    fi
    if is_masakari_monitors_enabled; then
        stop_masakari_monitors
    fi

elif [[ "$1" == "clean" ]]; then
    # unstack has emptied them.
    sudo rm -rf "${MASAKARI_CONF_DIR:?}" "${MASAKARI_MONITORS_CONF_DIR:?}"
fi

$_XTRACE_MASAKARI
