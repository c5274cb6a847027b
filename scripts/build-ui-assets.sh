#!/bin/sh
# Third-party front-end assets for the pages: installed from the npm registry with the lockfile
# (casebook/web/ui/assets/package-lock.json) and copied into casebook/web/ui/static/vendor (gitignored),
# from where the app serves them itself. Nothing is committed minified; nothing loads from the internet.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
assets="$root/casebook/web/ui/assets"
vendor="$root/casebook/web/ui/static/vendor"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: apt-get install -y npm" >&2
  exit 1
fi
cd "$assets"
# --ignore-scripts: no package runs code at install time (swagger-ui-dist's telemetry postinstall included).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -rf "$vendor"
mkdir -p "$vendor/htmx" "$vendor/axe-core" "$vendor/swagger-ui" "$vendor/echarts"
nm="$assets/node_modules"
cp "$nm/htmx.org/dist/htmx.js" "$nm/htmx.org/LICENSE" "$vendor/htmx/"
cp "$nm/axe-core/axe.js" "$nm/axe-core/LICENSE" "$vendor/axe-core/"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE NOTICE; do
  cp "$nm/swagger-ui-dist/$f" "$vendor/swagger-ui/"
done
# Apache ECharts for the supervision charts (驾驶舱, trends, comparisons): the full minified build and its licence.
cp "$nm/echarts/dist/echarts.min.js" "$nm/echarts/LICENSE" "$nm/echarts/NOTICE" "$vendor/echarts/"
echo "UI assets copied to $vendor"
