#!/usr/bin/env python3
"""Writes a varied, seeded corpus of frames built by scapy, and what scapy reads back from each.

usage: scapy_corpus.py OUT.pcap OUT.json [COUNT] [SEED]

Every frame is built with random field values, turned into bytes, and parsed again by scapy;
the JSON holds, per frame, the values scapy found, under Wireshark's field names (the names
`vnet decode --json` uses), so the test can compare the two field by field.
"""
import json
import random
import sys

from scapy.all import (ARP, DNS, DNSQR, DNSRR, ICMP, IP, TCP, UDP, BOOTP, DHCP, Dot1AD, Dot1Q, Dot3, Ether, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, LLC, STP, conf, raw, wrpcap)
from scapy.layers.vxlan import VXLAN

conf.verb = 0
out_pcap, out_json = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)


def mac():
    return ':'.join('%02x' % b for b in [rng.randrange(256) & 0xfe] + [rng.randrange(256) for _ in range(5)])


def ip4():
    return '.'.join(str(rng.randrange(256)) for _ in range(4))


def ip6():
    return ':'.join('%x' % rng.randrange(0x10000) for _ in range(8))


def port():
    return rng.randrange(40000, 41000)


def text(n):
    return ('vnet' + ''.join(rng.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(rng.randrange(n)))).encode()


def tags():
    n = rng.randrange(3)
    layers = []
    for i in range(n):
        cls = Dot1AD if (n == 2 and i == 0) else Dot1Q
        layers.append(cls(vlan=rng.randrange(1, 4095), prio=rng.randrange(8), id=rng.randrange(2)))
    return layers


def tcp_options():
    pool = [('MSS', rng.randrange(0x10000)), ('NOP', None), ('WScale', rng.randrange(15)), ('SAckOK', b''),
            ('Timestamp', (rng.randrange(2**32), rng.randrange(2**32))), ('SAck', (rng.randrange(2**32), rng.randrange(2**32)))]
    chosen = rng.sample(pool, rng.randrange(4))
    size = sum({'MSS': 4, 'NOP': 1, 'WScale': 3, 'SAckOK': 2, 'Timestamp': 10, 'SAck': 10}[k] for k, _ in chosen)
    return chosen if size <= 40 else []


def transport():
    if rng.random() < 0.5:
        return UDP(sport=port(), dport=port()) / text(40)
    return TCP(sport=port(), dport=port(), seq=rng.randrange(2**32), ack=rng.randrange(2**32), flags=rng.randrange(0x100) & ~0x04,
               window=rng.randrange(0x10000), options=tcp_options()) / text(40)


def l2(p):
    for t in tags():
        p = p / t
    return p


def ipv4():
    return IP(src=ip4(), dst=ip4(), ttl=rng.randrange(256), tos=rng.randrange(256), id=rng.randrange(0x10000),
              flags=rng.choice(['', 'DF']))


def ipv6():
    return IPv6(src=ip6(), dst=ip6(), hlim=rng.randrange(256), tc=rng.randrange(256), fl=rng.randrange(0x100000))


def dns_message():
    qname = '.'.join(text(6).decode() for _ in range(rng.randrange(1, 4)))
    if rng.random() < 0.5:
        return DNS(id=rng.randrange(0x10000), rd=rng.randrange(2), qd=DNSQR(qname=qname, qtype=rng.choice(['A', 'AAAA', 'MX', 'TXT'])))
    return DNS(id=rng.randrange(0x10000), qr=1, aa=rng.randrange(2), rd=1, ra=1, qd=DNSQR(qname=qname, qtype='A'),
               an=DNSRR(rrname=qname, type='A', ttl=rng.randrange(2**31), rdata=ip4()))


def frame():
    kind = rng.randrange(12)
    eth = l2(Ether(src=mac(), dst=mac()))
    if kind <= 2:
        return eth / ipv4() / transport()
    if kind == 3:
        ext = rng.choice([[], [IPv6ExtHdrHopByHop()], [IPv6ExtHdrDestOpt()], [IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt()],
                          [IPv6ExtHdrRouting(addresses=[ip6()])], [IPv6ExtHdrFragment(id=rng.randrange(2**32), m=1)]])
        p = eth / ipv6()
        for h in ext:
            p = p / h
        return p / transport()
    if kind == 4:
        return eth / ipv4() / ICMP(type=rng.choice([0, 8]), id=rng.randrange(0x10000), seq=rng.randrange(0x10000)) / text(20)
    if kind == 5:
        cls = rng.choice([ICMPv6EchoRequest, ICMPv6EchoReply])
        return eth / ipv6() / cls(id=rng.randrange(0x10000), seq=rng.randrange(0x10000), data=text(20))
    if kind == 6:
        if rng.random() < 0.5:
            return eth / ipv6() / ICMPv6ND_NS(tgt=ip6()) / ICMPv6NDOptSrcLLAddr(lladdr=mac())
        return eth / ipv6() / ICMPv6ND_NA(tgt=ip6(), R=rng.randrange(2), S=rng.randrange(2), O=rng.randrange(2)) / ICMPv6NDOptDstLLAddr(lladdr=mac())
    if kind == 7:
        return eth / ARP(op=rng.choice([1, 2]), hwsrc=mac(), psrc=ip4(), hwdst=mac(), pdst=ip4())
    if kind == 8:
        return eth / ipv4() / UDP(sport=rng.randrange(1024, 40000), dport=53) / dns_message()
    if kind == 9:
        chaddr = bytes(rng.randrange(256) for _ in range(6))
        mtype = rng.choice(['discover', 'offer', 'request', 'ack'])
        opts = [('message-type', mtype), ('requested_addr', ip4()), ('hostname', text(8)), 'end']
        return (eth / IP(src='0.0.0.0', dst='255.255.255.255') / UDP(sport=68, dport=67) /
                BOOTP(op=1, xid=rng.randrange(2**32), chaddr=chaddr + b'\0' * 10, yiaddr=ip4()) / DHCP(options=opts))
    if kind == 10:
        inner = Ether(src=mac(), dst=mac()) / ipv4() / transport()
        return eth / ipv4() / UDP(sport=rng.randrange(49152, 65536), dport=4789) / VXLAN(flags=0x08, vni=rng.randrange(2**24)) / inner
    return (Dot3(src=mac(), dst='01:80:c2:00:00:00') / LLC() /
            STP(rootid=rng.randrange(16) * 4096, rootmac=mac(), pathcost=rng.randrange(2**32), bridgeid=rng.randrange(16) * 4096,
                bridgemac=mac(), portid=rng.randrange(0x10000), age=1, maxage=20, hellotime=2, fwddelay=15))


def b(v):
    return bool(v)


def expected(p):
    """What scapy reads from the frame's bytes, named as Wireshark names the fields."""
    f = {}

    def put(name, value):
        if name in f:
            f[name] = (f[name] if isinstance(f[name], list) else [f[name]]) + [value]
        else:
            f[name] = value

    layer = p
    while layer is not None and layer.name not in ('NoPayload', 'Raw', 'Padding'):
        if isinstance(layer, Ether):
            put('eth.src', layer.src)
            put('eth.dst', layer.dst)
            put('eth.type', layer.type)
        elif isinstance(layer, Dot3):
            put('eth.src', layer.src)
            put('eth.dst', layer.dst)
            put('eth.len', layer.len)
        elif isinstance(layer, Dot1AD):
            put('ieee8021ad.id', layer.vlan)
            put('ieee8021ad.priority', layer.prio)
            put('ieee8021ad.dei', b(layer.id))
        elif isinstance(layer, Dot1Q):
            put('vlan.id', layer.vlan)
            put('vlan.priority', layer.prio)
            put('vlan.dei', b(layer.id))
            put('vlan.etype', layer.type)
        elif isinstance(layer, IP):
            put('ip.version', layer.version)
            put('ip.hdr_len', layer.ihl * 4)
            put('ip.dsfield.dscp', layer.tos >> 2)
            put('ip.dsfield.ecn', layer.tos & 3)
            put('ip.len', layer.len)
            put('ip.id', layer.id)
            put('ip.flags.df', b(int(layer.flags) & 2))
            put('ip.flags.mf', b(int(layer.flags) & 1))
            put('ip.frag_offset', layer.frag)
            put('ip.ttl', layer.ttl)
            put('ip.proto', layer.proto)
            put('ip.checksum', layer.chksum)
            put('ip.src', layer.src)
            put('ip.dst', layer.dst)
        elif isinstance(layer, IPv6):
            put('ipv6.tclass', layer.tc)
            put('ipv6.flow', layer.fl)
            put('ipv6.plen', layer.plen)
            put('ipv6.nxt', layer.nh)
            put('ipv6.hlim', layer.hlim)
            put('ipv6.src', layer.src)
            put('ipv6.dst', layer.dst)
        elif isinstance(layer, IPv6ExtHdrHopByHop):
            put('ipv6.hopopts.nxt', layer.nh)
        elif isinstance(layer, IPv6ExtHdrDestOpt):
            put('ipv6.dstopts.nxt', layer.nh)
        elif isinstance(layer, IPv6ExtHdrRouting):
            put('ipv6.routing.nxt', layer.nh)
            put('ipv6.routing.type', layer.type)
            put('ipv6.routing.segleft', layer.segleft)
        elif isinstance(layer, IPv6ExtHdrFragment):
            put('ipv6.fraghdr.nxt', layer.nh)
            put('ipv6.fraghdr.offset', layer.offset)
            put('ipv6.fraghdr.more', b(layer.m))
            put('ipv6.fraghdr.ident', layer.id)
        elif isinstance(layer, TCP):
            put('tcp.srcport', layer.sport)
            put('tcp.dstport', layer.dport)
            put('tcp.seq', layer.seq)
            put('tcp.ack', layer.ack)
            put('tcp.hdr_len', layer.dataofs * 4)
            put('tcp.flags', int(layer.flags))
            put('tcp.flags.syn', b(int(layer.flags) & 0x02))
            put('tcp.flags.fin', b(int(layer.flags) & 0x01))
            put('tcp.flags.ack', b(int(layer.flags) & 0x10))
            put('tcp.window_size_value', layer.window)
            put('tcp.checksum', layer.chksum)
            put('tcp.urgent_pointer', layer.urgptr)
            for kind, value in layer.options:
                if kind == 'MSS':
                    put('tcp.options.mss_val', value)
                elif kind == 'WScale':
                    put('tcp.options.wscale.shift', value)
                elif kind == 'Timestamp':
                    put('tcp.options.timestamp.tsval', value[0])
                    put('tcp.options.timestamp.tsecr', value[1])
                elif kind == 'SAck':
                    put('tcp.options.sack_le', value[0])
                    put('tcp.options.sack_re', value[1])
        elif isinstance(layer, UDP):
            put('udp.srcport', layer.sport)
            put('udp.dstport', layer.dport)
            put('udp.length', layer.len)
            put('udp.checksum', layer.chksum)
        elif isinstance(layer, ICMP):
            put('icmp.type', layer.type)
            put('icmp.code', layer.code)
            put('icmp.checksum', layer.chksum)
            put('icmp.ident', layer.id)
            put('icmp.seq', layer.seq)
        elif isinstance(layer, (ICMPv6EchoRequest, ICMPv6EchoReply)):
            put('icmpv6.type', layer.type)
            put('icmpv6.checksum', layer.cksum)
            put('icmpv6.echo.identifier', layer.id)
            put('icmpv6.echo.sequence_number', layer.seq)
        elif isinstance(layer, ICMPv6ND_NS):
            put('icmpv6.type', layer.type)
            put('icmpv6.checksum', layer.cksum)
            put('icmpv6.nd.ns.target_address', layer.tgt)
        elif isinstance(layer, ICMPv6ND_NA):
            put('icmpv6.type', layer.type)
            put('icmpv6.checksum', layer.cksum)
            put('icmpv6.nd.na.target_address', layer.tgt)
            put('icmpv6.nd.na.flag.r', b(layer.R))
            put('icmpv6.nd.na.flag.s', b(layer.S))
            put('icmpv6.nd.na.flag.o', b(layer.O))
        elif isinstance(layer, (ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr)):
            put('icmpv6.opt.linkaddr', layer.lladdr)
        elif isinstance(layer, ARP):
            put('arp.opcode', layer.op)
            put('arp.src.hw_mac', layer.hwsrc)
            put('arp.src.proto_ipv4', layer.psrc)
            put('arp.dst.hw_mac', layer.hwdst)
            put('arp.dst.proto_ipv4', layer.pdst)
        elif isinstance(layer, DNS):
            put('dns.id', layer.id)
            put('dns.flags.response', b(layer.qr))
            put('dns.flags.recdesired', b(layer.rd))
            put('dns.count.queries', layer.qdcount)
            put('dns.count.answers', layer.ancount)
            if layer.qd:
                put('dns.qry.name', layer.qd.qname.decode().rstrip('.'))
                put('dns.qry.type', layer.qd.qtype)
            if layer.an:
                put('dns.resp.ttl', layer.an.ttl)
                put('dns.a', layer.an.rdata)
            break
        elif isinstance(layer, BOOTP):
            put('dhcp.type', layer.op)
            put('dhcp.id', layer.xid)
            put('dhcp.hw.mac_addr', ':'.join('%02x' % x for x in layer.chaddr[:6]))
            put('dhcp.ip.your', layer.yiaddr)
        elif isinstance(layer, DHCP):
            for opt in layer.options:
                if isinstance(opt, tuple) and opt[0] == 'message-type':
                    put('dhcp.option.dhcp', opt[1])
                if isinstance(opt, tuple) and opt[0] == 'requested_addr':
                    put('dhcp.option.requested_ip_address', opt[1])
            break
        elif isinstance(layer, VXLAN):
            put('vxlan.vni', layer.vni)
        elif isinstance(layer, LLC):
            put('llc.dsap', layer.dsap)
            put('llc.ssap', layer.ssap)
        elif isinstance(layer, STP):
            put('stp.root.prio', layer.rootid)
            put('stp.root.hw', layer.rootmac)
            put('stp.root.cost', layer.pathcost)
            put('stp.bridge.prio', layer.bridgeid)
            put('stp.bridge.hw', layer.bridgemac)
            put('stp.port', layer.portid)
            break
        layer = layer.payload
    return f


frames = [frame() for _ in range(count)]
parsed = [Ether(raw(p)) if not isinstance(p, Dot3) else Dot3(raw(p)) for p in frames]
wrpcap(out_pcap, frames)
with open(out_json, 'w') as fh:
    json.dump([expected(p) for p in parsed], fh)
