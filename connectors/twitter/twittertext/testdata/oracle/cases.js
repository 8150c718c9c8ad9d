// cases.js generates strings from a seed and asks twitter-text's own
// parseTweet for their weighted length: the oracle for twittertext's port.
//   node cases.js SEED N            JSON lines {"text":..., "weighted":...}
//   node cases.js SEED N --write F  the committed conformance file F
'use strict';
const fs = require('fs');
const twttr = require('twitter-text');
const version = require('twitter-text/package.json').version;

let state = Number(process.argv[2] || 1) >>> 0 || 1;
const n = Number(process.argv[3] || 100);
function rnd() { // xorshift32: the same strings for the same seed
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
}
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const range = (lo, hi) => String.fromCodePoint(lo + Math.floor(rnd() * (hi - lo + 1)));

const words = ['Jalan', 'rusak', 'di', 'Desa', 'Sukamaju', 'mohon', 'segera', 'diperbaiki', 'terima kasih', 'Pak', 'Bu',
  'lampu', 'PJU', 'mati', 'sejak', 'minggu', 'lalu', 'RT 03/RW 05', 'banjir', 'sampah', 'e-KTP', 'no.', 'kec.', 'hari ini'];
const punct = ['.', ',', '!', '?', ':', ';', '(', ')', '"', "'", '-', '—', '…', '/', '@pemkab', '#banjir', '$IDR', '&', '*', '@', '#'];
const spaces = [' ', ' ', ' ', '\n', '\t', '\u00a0', '\u3000', '\u2003'];
const emoji = ['😀', '🙏', '👍', '👍🏽', '👍🏿', '❤️', '❤', '☺', '☺️', '✅', '⚠️', '🇮🇩', '🇯🇵', '🇦🇦', '🇦', '1️⃣', '#️⃣', '1⃣',
  '👨‍👩‍👧‍👦', '👩‍💻', '👩🏽‍💻', '🏳️‍🌈', '🏴‍☠️', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🧑🏽‍🤝‍🧑🏻', '🏳️‍⚧️', '❤️‍🔥', '🫠', '🥲', '😶‍🌫️', '🙋‍♀️', '🙋🏻‍♂️',
  '©', '©️', '®', '™', '‼️', '😀\ufe0e', '\u200d', '\ufe0f', '👋🏿\u200d', '🤌', '🦸‍♀️', '🧕🏽'];
const tlds = ['com', 'go.id', 'id', 'co.id', 'desa.id', 'sch.id', 'net', 'org', 'xyz', 'ly', 'io', 'zzz', 'COM', 'Id', 'info',
  'technology', 'co', 'com2', 'c', 'xn--p1ai', 'рф', 'онлайн', 'みんな', 'museum', 'travel'];
function url() {
  const proto = pick(['', '', 'http://', 'https://', 'HTTPS://', 'ftp://']);
  const sub = pick(['', 'www.', 'm.', 'lapor.', 'dinas-pu.', 'a_b.', '-x.', 'sub.dom.']);
  const name = pick(['sukamajukab', 'example', 'bit', 'lapor', 'x', 't', 'pem-kab', 'kémenkeu', 'пример', '例子', 'abc123', 'a']);
  let u = proto + sub + name + '.' + pick(tlds);
  if (rnd() < 0.2) u += ':' + pick(['8080', '443', 'x']);
  if (rnd() < 0.6) u += pick(['/', '/berita/2024/10/jalan-rusak', '/p?id=12&x=y', '/wiki/Foo_(bar)', '/a/b.', '/a/b,',
    '/x!', '/(a(b)c)', '/~user/index.html', '/?q=', '/path#frag', '/ün/ï', '/путь', '/@user/', '/' + 'a'.repeat(300)]);
  if (rnd() < 0.2) u += pick(['?utm=1', '?a=b&c=d.', '?', '?x=(1)']);
  if (rnd() < 0.05) u = pick(['https://t.co/abc123XYZ', 'https://t.co/' + 'a'.repeat(45), 'http://t.co/a?b=c', 'https://t.co/x/y']);
  return u;
}
function piece() {
  const r = rnd();
  if (r < 0.25) return pick(words);
  if (r < 0.35) return pick(punct);
  if (r < 0.50) return pick(spaces);
  if (r < 0.62) return pick(emoji);
  if (r < 0.72) return url();
  if (r < 0.78) return range(0x4e00, 0x9fff) + range(0x3040, 0x30ff) + range(0xac00, 0xd7a3); // CJK, kana, Hangul
  if (r < 0.82) return range(0x0600, 0x06ff) + range(0x0e00, 0x0e7f) + range(0x0900, 0x097f); // Arabic, Thai, Devanagari
  if (r < 0.85) return range(0x0400, 0x04ff) + range(0x1000, 0x10ff) + range(0x1100, 0x11ff); // Cyrillic, Myanmar..Hangul Jamo
  if (r < 0.88) return pick(['e\u0301', 'A\u030a', '\u1100\u1161', 'n\u0303a', '\u0915\u094d\u0937']); // NFC changes these
  if (r < 0.91) return range(0x2000, 0x206f) + range(0x2100, 0x2bff); // general punctuation, symbols
  if (r < 0.94) return range(0x1f300, 0x1faff); // single emoji code points, old and new
  if (r < 0.97) return pick(['user@example.com', 'a.b', 'x.com.', '.com', '-example.com', '_a.com', '/a.com', 'a.com/b',
    '$a.com', '#a.com', '@a.com', 'foo.bar.baz', '1.2.3.4', 'localhost:8080', 'ex--ample.com', 'http://例子.测试']);
  return range(0x20, 0x7e).repeat(1 + Math.floor(rnd() * 4));
}
const cases = [];
for (let i = 0; i < n; i++) {
  const parts = 1 + Math.floor(rnd() * (rnd() < 0.1 ? 60 : 12));
  let text = '';
  for (let j = 0; j < parts; j++) text += piece() + (rnd() < 0.5 ? ' ' : '');
  cases.push({ text, weighted: twttr.parseTweet(text).weightedLength });
}
const at = process.argv.indexOf('--write');
if (at > 0) {
  const doc = { oracle: 'npm twitter-text ' + version + ' parseTweet (configs.defaults = version3)', seed: Number(process.argv[2]), cases };
  fs.writeFileSync(process.argv[at + 1], JSON.stringify(doc, null, 1) + '\n');
} else {
  for (const c of cases) process.stdout.write(JSON.stringify(c) + '\n');
}
