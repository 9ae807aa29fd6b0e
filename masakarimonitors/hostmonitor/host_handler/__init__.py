"""The default hostmonitor driver: pacemaker/corosync (spec §7.2)."""
