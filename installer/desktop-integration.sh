#!/bin/sh
# Desktop integration of the Shear package: what jpackage cannot put outside /opt/shear. The .deb
# ships this as /opt/shear/lib/desktop-integration.sh; its postinst runs `install`, its prerm
# `remove`.
#
#   desktop-integration.sh install|remove [ROOT]
#
# install: /usr/bin/shear -> /opt/shear/bin/shear (the CLI on the PATH), the menu entry
#   /usr/share/applications/shear.desktop (jpackage made it from installer/resources/shear.desktop)
#   and the icon in every size in the hicolor theme (the entry says `Icon=shear`), and the systemd
#   user unit shear-scheduler.service that runs scheduled backup jobs (`systemctl --user enable
#   --now shear-scheduler`; not enabled by the package).
# remove: takes each of those away again while it is still the one install put there.
# ROOT (default: none) is prepended to every path read or written, to try this on a package
#   unpacked with `dpkg-deb -x` (installer/smoke-test.sh); the link still points to /opt/shear.
#
# The menu entry is copied rather than registered with jpackage's `xdg-desktop-menu install`: that
# fails ("No writable system menu directory found") wherever /etc/xdg/menus is missing (servers,
# containers), and then the package can be neither installed nor removed.
set -eu

usage() { echo "usage: desktop-integration.sh install|remove [ROOT]" >&2; exit 2; }
[ $# -eq 1 ] || [ $# -eq 2 ] || usage
action=$1
root=${2:-}

app_dir=/opt/shear
lib=$root$app_dir/lib
command_link=$root/usr/bin/shear
menu_entry=$root/usr/share/applications/shear.desktop
icon_theme=$root/usr/share/icons/hicolor
scheduler_unit=$root/usr/lib/systemd/user/shear-scheduler.service
sizes="16 24 32 48 64 128 256 512"

# Calls "$1 SOURCE DESTINATION" for each file this script places.
for_each_file() {
  "$1" "$lib/shear-shear.desktop" "$menu_entry"
  for size in $sizes; do
    "$1" "$lib/icons/shear-$size.png" "$icon_theme/${size}x${size}/apps/shear.png"
  done
  "$1" "$lib/icons/shear.svg" "$icon_theme/scalable/apps/shear.svg"
  "$1" "$lib/shear-scheduler.service" "$scheduler_unit"
}

place() { install -D -m 644 "$1" "$2"; }

unplace() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    rm -f "$2"
  fi
}

install_all() {
  if [ ! -e "$command_link" ] && [ ! -L "$command_link" ]; then
    mkdir -p "$(dirname "$command_link")"
    ln -s "$app_dir/bin/shear" "$command_link"
  elif [ "$(readlink "$command_link")" != "$app_dir/bin/shear" ]; then
    echo "shear: $command_link already exists and is not ours; left it alone (run $app_dir/bin/shear)" >&2
  fi
  for_each_file place
}

remove_all() {
  if [ -L "$command_link" ] && [ "$(readlink "$command_link")" = "$app_dir/bin/shear" ]; then
    rm -f "$command_link"
  fi
  for_each_file unplace
}

# Desktops watch these directories; the caches exist only where a desktop is installed.
refresh_caches() {
  if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$(dirname "$menu_entry")" ]; then
    update-desktop-database -q "$(dirname "$menu_entry")" ||
      echo "shear: update-desktop-database failed; the menu shows the change after its next refresh" >&2
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icon_theme/icon-theme.cache" ]; then
    gtk-update-icon-cache -q -f "$icon_theme" ||
      echo "shear: gtk-update-icon-cache failed; the menu shows the change after its next refresh" >&2
  fi
}

case "$action" in
  install) install_all ;;
  remove) remove_all ;;
  *) usage ;;
esac
refresh_caches
