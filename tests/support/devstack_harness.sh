#!/bin/bash
#
# Runs phases of devstack/plugin.sh as devstack does (settings sourced once,
# then plugin.sh sourced with each phase's arguments), with devstack's
# functions replaced by stand-ins and every path under ROOT.
#
#   devstack_harness.sh ROOT PHASE...    PHASE: stack:install, unstack, ...
#
# ROOT/calls.log gets one line per phase ("== stack install") and one per
# devstack function or program the plugin calls: its name and arguments,
# separated by spaces. iniset writes real ini files; the services and the
# configuration generator are small scripts in ROOT/bin that only log.
# Devstack's globals can be overridden through the environment.

set -o errexit -o pipefail
# The stack user's login shell on Ubuntu: files it writes are group-writable
# unless the plugin says otherwise.
umask 002

ROOT=$(cd "$1" && pwd)
shift
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOG=$ROOT/calls.log

DEST=$ROOT/opt/stack
DATA_DIR=$DEST/data
HORIZON_DIR=$DEST/horizon
APACHE_SITES=$ROOT/etc/apache2/sites-available
GIT_BASE=${GIT_BASE:-https://opendev.org}
SERVICE_HOST=${SERVICE_HOST:-10.0.0.10}
SERVICE_PROTOCOL=${SERVICE_PROTOCOL:-http}
KEYSTONE_SERVICE_URI=$SERVICE_PROTOCOL://$SERVICE_HOST/identity
SERVICE_PASSWORD=servicepass
ADMIN_PASSWORD=adminpass
SERVICE_PROJECT_NAME=service
REGION_NAME=RegionOne
API_WORKERS=2
ENABLE_DEBUG_LOG_LEVEL=True
SYSLOG=False
SERVICE_TIMEOUT=60
SSL_BUNDLE_FILE=$DATA_DIR/ca-bundle.pem
STACK_USER=$(id -un)
ENABLED_SERVICES=${ENABLED_SERVICES:-key,mysql,rabbit,n-api,n-cpu,horizon}
DISABLED_SERVICES=${DISABLED_SERVICES:-}
LIBS_FROM_GIT=${LIBS_FROM_GIT:-}
declare -A GITREPO GITBRANCH GITDIR

MASAKARI_CONF_DIR=$ROOT/etc/masakari
MASAKARI_MONITORS_CONF_DIR=$ROOT/etc/masakarimonitors

mkdir -p "$DEST" "$ROOT/bin" "$APACHE_SITES" "$ROOT/var/run/uwsgi"
ln -sfn "$REPO" "$DEST/masakari"
for dir in local/enabled local/local_settings.d conf; do
    mkdir -p "$HORIZON_DIR/openstack_dashboard/$dir"
done

function record {
    echo "$*" >> "$LOG"
}

# Programs the plugin runs from the python prefix or PATH.
for program in oslo-config-generator masakari-manage uwsgi; do
    cat > "$ROOT/bin/$program" <<EOF
#!/bin/bash
echo "\$(basename "\$0") \$*" >> "$LOG"
# The generator's output starts as a commented sample.
while [[ \$# -gt 0 ]]; do
    if [[ \$1 == --output-file ]]; then echo "# sample" > "\$2"; fi
    shift
done
EOF
    chmod +x "$ROOT/bin/$program"
done
PATH=$ROOT/bin:$PATH

# Privileged commands run only on paths under ROOT.
function sudo {
    record sudo "$@"
    local arg
    for arg in "$@"; do
        if [[ $arg == /* && $arg != "$ROOT"/* ]]; then
            echo "harness: sudo on a path outside $ROOT: $*" >&2
            return 1
        fi
    done
    "$@"
}

# iniset [-sudo] FILE SECTION OPTION VALUE: set OPTION in SECTION, adding
# the section at the end of the file when missing.
function iniset {
    if [[ $1 == -sudo ]]; then
        shift
    fi
    local file=$1
    touch "$file"
    S=$2 O=$3 V=$4 awk '
        function emit() { print ENVIRON["O"] " = " ENVIRON["V"]; done = 1 }
        /^\[.*\][ \t]*$/ {
            if (insection && !done) emit()
            insection = ($0 == "[" ENVIRON["S"] "]")
            if (insection) seen = 1
            print
            next
        }
        insection && !done {
            key = $0
            sub(/[ \t]*=.*/, "", key)
            if (key == ENVIRON["O"]) { emit(); next }
        }
        { print }
        END {
            if (!done) {
                if (!seen) print "\n[" ENVIRON["S"] "]"
                emit()
            }
        }' "$file" > "$file.new"
    mv "$file.new" "$file"
}

# As devstack's: a service is enabled when listed, or when its own
# is_<service>_enabled function says so.
function is_service_enabled {
    local service
    for service in "$@"; do
        [[ ,$ENABLED_SERVICES, == *,$service,* ]] && return 0
        if declare -F "is_${service}_enabled" > /dev/null; then
            "is_${service}_enabled" && return 0
        fi
    done
    return 1
}

function is_keystone_enabled {
    [[ ,$ENABLED_SERVICES, == *,key,* ]]
}

function enable_service {
    local service
    for service in "$@"; do
        [[ ,$DISABLED_SERVICES, == *,$service,* ]] && continue
        is_service_enabled "$service" || ENABLED_SERVICES+=",$service"
    done
}

function trueorfalse {
    local value=${!2:-$1}
    case ${value,,} in
        1|yes|true|on) echo True ;;
        *) echo False ;;
    esac
}

function use_library_from_git {
    [[ ,$LIBS_FROM_GIT, == *,$1,* ]]
}

function get_python_exec_prefix {
    echo "$ROOT/bin"
}

function database_connection_url {
    echo "mysql+pymysql://root:db-secret@127.0.0.1/$1?charset=utf8"
}

function iniset_rpc_backend {
    record iniset_rpc_backend "$@"
    iniset "$2" "${3:-DEFAULT}" transport_url \
        "rabbit://stackrabbit:rabbit-secret@$SERVICE_HOST:5672/"
}

function configure_keystone_authtoken_middleware {
    record configure_keystone_authtoken_middleware "$@"
    local conf=$1 section=${3:-keystone_authtoken}
    iniset "$conf" "$section" auth_type password
    iniset "$conf" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" "$section" username "$2"
    iniset "$conf" "$section" password "$SERVICE_PASSWORD"
    iniset "$conf" "$section" user_domain_name Default
    iniset "$conf" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" "$section" project_domain_name Default
    iniset "$conf" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
}

# write_uwsgi_config CONF WSGI URL HTTP SERVICE: the uWSGI ini, and the
# Apache site passing URL to its socket.
function write_uwsgi_config {
    record write_uwsgi_config "$@"
    local conf=$1 wsgi=$2 url=$3 service=$5
    local socket=$ROOT/var/run/uwsgi/$service.socket
    rm -f "$conf"
    if [[ $wsgi =~ ^[a-zA-Z0-9_.]+:[a-zA-Z0-9_]+$ ]]; then
        iniset "$conf" uwsgi module "$wsgi"
    else
        iniset "$conf" uwsgi wsgi-file "$wsgi"
    fi
    iniset "$conf" uwsgi processes "$API_WORKERS"
    iniset "$conf" uwsgi master true
    iniset "$conf" uwsgi socket "$socket"
    echo "ProxyPass \"$url\" \"unix:$socket|uwsgi://uwsgi-uds-$service\"" \
        > "$APACHE_SITES/$service.conf"
}

function remove_uwsgi_config {
    record remove_uwsgi_config "$@"
    rm -f "$1" "$APACHE_SITES/$2.conf"
}

function die {
    record die "$@"
    exit 1
}

function echo_summary {
    :
}

# Stand-ins that only log their call.
for name in setup_develop setup_dev_lib pip_install pip_install_gr \
        git_clone git_clone_by_name setup_logging recreate_database \
        create_service_user get_or_create_service get_or_create_endpoint \
        get_or_create_project get_or_create_user \
        get_or_add_user_project_role run_process stop_process \
        start_tls_proxy wait_for_service warn; do
    eval "function $name { record $name \"\$@\"; }"
done

source "$REPO/devstack/settings"
for phase in "$@"; do
    record "== ${phase/:/ }"
    # shellcheck disable=SC2086  # "stack:install" becomes two arguments
    source "$REPO/devstack/plugin.sh" ${phase/:/ }
done
