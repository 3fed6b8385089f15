#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Makes the catalogue's generated inputs ("gen:NAME" in catalogue.tsv) in OUTDIR, at test time:
# the large ones (16 MiB + 1, a million registers, 10,000-deep nesting, billion laughs) are
# never committed.  generate.py TOP_SRCDIR OUTDIR
import json, re, sys

top, out = sys.argv[1], sys.argv[2]
data = top + '/tests/data'
src = open(data + '/6.1-max.json', 'rb').read()
xml = open(data + '/domains/host-passthrough.xml').read()


def put(name, content):
    with open(out + '/' + name, 'wb') as f:
        f.write(content if isinstance(content, bytes) else content.encode())


# ---- profiles
put('profile-16mib-plus-1', b'{"probe_version": 1, "label": "' + b'x' * (16 * 1024 * 1024 - 32) + b'"}')
assert len(open(out + '/profile-16mib-plus-1', 'rb').read()) == 16 * 1024 * 1024 + 1
p = json.loads(src)
p['configs'][0].pop('reg_count', None)
p['configs'][0]['reg_list'] = ['0x%016x' % (0x6030000000130000 + i) for i in range(1000000)]
put('profile-million-registers', json.dumps(p, separators=(',', ':')))
p['configs'][0]['reg_list'] = ['0x%016x' % (0x6030000000130000 + i) for i in range(4097)]
put('profile-4097-registers', json.dumps(p, separators=(',', ':')))
put('profile-deep-arrays', '[' * 10000 + ']' * 10000)
put('profile-deep-objects', '{"a":' * 10000 + '1' + '}' * 10000)
put('profile-duplicate-key', src.replace(b'{', b'{"probe_version": 2, ', 1))
put('profile-duplicate-register-value',
    src.replace(b'"id_regs": {', b'"id_regs": {"0x603000000013c000": "0x1", ', 1))
put('profile-non-utf8', src.replace(b'"label": "', b'"label": "\xff\xfe', 1))
put('profile-overlong-utf8', src.replace(b'"label": "', b'"label": "\xc0\xaf', 1))
put('profile-nul', src.replace(b'"label": "', b'"label": "a\x00b', 1))
put('profile-bom', b'\xef\xbb\xbf' + src)
p = json.loads(src)
p['configs'][0] = {k: v for k, v in p['configs'][0].items()}
p['configs'][0]['reg_list'] = {'0': p['configs'][0]['reg_list'][0]}
put('profile-reg-list-object', json.dumps(p))
p = json.loads(src)
p['kernel'] = 612
put('profile-kernel-number', json.dumps(p))
p = json.loads(src)
p['probe_version'] = 1.5
put('profile-version-float', json.dumps(p))

# ---- guest records and domain XML
rec = json.loads(src)
put('xml-9mib', xml.replace('</domain>', '<description>' + 'x' * (9 * 1024 * 1024) + '</description></domain>'))
put('xml-deep', xml.replace('</domain>', '<metadata>' + '<a>' * 10000 + '</a>' * 10000 + '</metadata></domain>'))
laughs = '<?xml version="1.0"?>\n<!DOCTYPE domain [\n <!ENTITY lol0 "lol">\n'
for i in range(1, 10):
    laughs += ' <!ENTITY lol%d "%s">\n' % (i, ('&lol%d;' % (i - 1)) * 10)
laughs += ']>\n<domain type="kvm"><name>&lol9;</name></domain>\n'
put('xml-billion-laughs', laughs)
put('xml-external-entity', '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/shadow">]>\n'
    '<domain type="kvm"><name>&x;</name></domain>\n')
put('xml-long-name', xml.replace('<name>web-1</name>', '<name>' + 'n' * 5000 + '</name>'))
put('xml-no-name', xml.replace('<name>web-1</name>', ''))
put('xml-empty', '')
put('xml-nul', xml.encode().replace(b'<name>web-1', b'<name>we\x00b-1'))
put('xml-latin1', xml.encode().replace(b'<name>web-1', b'<name>w\xe9b-1'))
put('xml-truncated', xml[:len(xml) // 2])
put('xml-undeclared-prefix', xml.replace('</domain>', '<metadata><kvmregs:record domain="x">{}</kvmregs:record></metadata></domain>'))
put('xml-foreign-metadata', xml.replace('</metadata>', '<app:record xmlns:app="http://example.org/app/1">'
                                        '{"probe_version":1}</app:record></metadata>'))
put('xml-unqualified-record', xml.replace('</metadata>', '<record domain="3f1c2a90-5b7e-4d21-9a0c-0000000000a1">'
                                          '{"probe_version":1}</record></metadata>'))

# a record stamped by tests/make-record (the caller made xml-good): forged and broken copies
good = open(out + '/xml-good').read()
record = re.compile(r'(<kvmregs:record[^>]*>)[^<]*(</kvmregs:record>)')
put('xml-record-not-json', record.sub(r'\1hello\2', good))
put('xml-record-forged', record.sub(r'\1{"probe_version": 1}\2', good))
put('xml-record-whole-profile', record.sub(lambda m: m.group(1) + src.decode().replace('&', '&amp;').replace('<', '&lt;') + m.group(2), good))
put('xml-record-deep', record.sub(r'\1' + '[' * 10000 + ']' * 10000 + r'\2', good))
put('xml-two-records', good.replace('</metadata>', record.search(good).group(0) + '</metadata>'))
