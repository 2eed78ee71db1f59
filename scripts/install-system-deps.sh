#!/usr/bin/env bash
# Install the Debian packages xlcompute needs, only when some are missing:
#   libreoffice-calc-nogui  recalculates generated workbooks in tests (a real spreadsheet engine)
#   fonts-noto-cjk          Noto Sans CJK SC for the Chinese workbook and proposal
#   fonts-dejavu-core       the Latin sans font of the English proposal
#   libharfbuzz-subset0     lets WeasyPrint subset fonts: small PDFs, fast rendering
#   libpango-1.0-0 libpangoft2-1.0-0  WeasyPrint's text layout
#   poppler-utils           pdftoppm / pdftotext, to look at and test the proposal
# As root it installs them (apt-get update first); otherwise it prints the exact command.
set -euo pipefail

PACKAGES=(libreoffice-calc-nogui fonts-noto-cjk fonts-dejavu-core libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system packages missing: ${missing[*]}; this is not a Debian system, install their equivalents by hand." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]}" >&2
  echo "run as root:  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
sh -c "$cmd"
