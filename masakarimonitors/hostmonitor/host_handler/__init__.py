"""The default hostmonitor driver: pacemaker/corosync."""
