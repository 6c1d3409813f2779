#!/usr/bin/env bash
# usage: KaMeng.Bench/storefront-wrk.sh <checkout> <port> [seconds]
# Storefront home page (/s/demo/, Staging: production settings with the demo seed, which Production never seeds) of a Release build under wrk -t2 -c32 (apt-get install wrk).
# Run it for two checkouts alternately to compare them (issue 16 before/after).
set -u
dir=$1; port=$2; secs=${3:-10}
data=$(mktemp -d)
cd "$dir/KaMeng.Web"
ASPNETCORE_ENVIRONMENT=Staging KaMeng__DataDir=$data KaMeng__Seed__Demo=true \
KaMeng__Seed__AdminPassword=Perf-admin-9137 KaMeng__Seed__DemoPassword=Perf-demo-9137 \
Logging__LogLevel__Default=Warning ASPNETCORE_URLS=http://127.0.0.1:$port \
dotnet bin/Release/net10.0/KaMeng.Web.dll >/tmp/perf-app-$port.log 2>&1 &
pid=$!
for i in $(seq 1 120); do curl -fs -o /dev/null http://127.0.0.1:$port/readyz && break; sleep 0.5; done
url=http://127.0.0.1:$port/s/demo/
curl -s -o /dev/null -w "home status %{http_code} bytes %{size_download}\n" $url
wrk -t2 -c32 -d${secs}s --latency $url | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|errors"
curl -s -o /dev/null -w "readyz %{http_code}\n" http://127.0.0.1:$port/readyz
kill $pid; wait $pid 2>/dev/null
rm -rf "$data"
