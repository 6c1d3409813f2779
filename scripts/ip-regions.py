#!/usr/bin/env python3
"""Rebuilds part 2 of KaMeng.Web/Features/Risk/ip-regions.csv (province ranges) from a clone of metowolf/iplist.

usage: scripts/ip-regions.py /path/to/iplist > /tmp/provinces.csv
Then replace the lines after the reserved ranges in ip-regions.csv (and the commit named in its header) with the output.
"""
import ipaddress, pathlib, sys

NAMES = {"110000": "北京", "120000": "天津", "130000": "河北", "140000": "山西", "150000": "内蒙古", "210000": "辽宁", "220000": "吉林",
         "230000": "黑龙江", "310000": "上海", "320000": "江苏", "330000": "浙江", "340000": "安徽", "350000": "福建", "360000": "江西",
         "370000": "山东", "410000": "河南", "420000": "湖北", "430000": "湖南", "440000": "广东", "450000": "广西", "460000": "海南",
         "500000": "重庆", "510000": "四川", "520000": "贵州", "530000": "云南", "540000": "西藏", "610000": "陕西", "620000": "甘肃",
         "630000": "青海", "640000": "宁夏", "650000": "新疆", "710000": "台湾", "810000": "香港", "820000": "澳门"}

root = pathlib.Path(sys.argv[1]) / "data" / "cncity"
rows = []
for code, name in NAMES.items():
    for line in (root / f"{code}.txt").read_text().split():
        if ":" in line:
            continue  # IPv6: the table is IPv4 only
        net = ipaddress.ip_network(line.strip(), strict=False)
        rows.append((int(net.network_address), int(net.broadcast_address), name))
rows.sort()
merged = []
for start, end, name in rows:
    if merged and merged[-1][2] == name and merged[-1][1] + 1 >= start:
        merged[-1][1] = max(merged[-1][1], end)
    else:
        if merged and start <= merged[-1][1]:
            sys.exit(f"overlapping ranges at {ipaddress.ip_address(start)} ({merged[-1][2]} / {name})")
        merged.append([start, end, name])
for start, end, name in merged:
    print(f"{ipaddress.ip_address(start)},{ipaddress.ip_address(end)},{name}")
