"""The bundle's index page, in Chinese and English: what each item is and how to check it.
HTML lists every item; the PDF lists the first ``PDF_ROWS`` of each type (the manifest
and the HTML have them all) so that a bundle of ten thousand leaves stays printable."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from swordnet.services.enforcement.rendering import cjk_font

PDF_ROWS = 40

# what each kind of item proves (en, zh): the manifest and the index say it
PROVES: dict[str, tuple[str, str]] = {
    "leaf": (
        "An evidence record, the exact bytes hashed into the ledger (RFC 9162 leaf).",
        "证据记录：写入证据账本的原始字节（RFC 9162 叶子）。",
    ),
    "bundle_leaf": (
        "The ledger's record of this bundle: every leaf and file it holds.",
        "账本中本证据包的记录：所含全部叶子和文件。",
    ),
    "inclusion_proof": (
        "That the leaf is in the signed log (c2sp.org/tlog-proof, RFC 9162 §2.1.3).",
        "叶子包含在已签名账本中的证明（c2sp.org/tlog-proof，RFC 9162 §2.1.3）。",
    ),
    "warc_record": (
        "The captured HTTP exchange, the gzip member of the WARC file as stored; "
        "its SHA-256 is recorded in the capture leaf.",
        "抓取的 HTTP 请求与响应（WARC 文件中的 gzip 记录原样）；其 SHA-256 记录在抓取叶子中。",
    ),
    "screenshot": (
        "The page as rendered at capture; its SHA-256 is recorded in the screenshot leaf.",
        "抓取时网页的截图；其 SHA-256 记录在截图叶子中。",
    ),
    "checkpoint": (
        "The log's signed head (C2SP signed note, Ed25519): size and root hash.",
        "账本的签名树头（C2SP 签名注记，Ed25519）：大小与根哈希。",
    ),
    "timestamp_token": (
        "An RFC 3161 timestamp token over the checkpoint, from a timestamp authority.",
        "时间戳机构对检查点签发的 RFC 3161 时间戳。",
    ),
    "consistency_proof": (
        "That the newest checkpoint extends an older one (RFC 9162 §2.1.4): nothing rewritten.",
        "最新检查点是旧检查点的延续（RFC 9162 §2.1.4）：未被改写。",
    ),
    "public_key": (
        "The log's public key(s), vkey form; check the fingerprint against one published "
        "out of band.",
        "账本公钥（vkey 格式）；请与另行公布的指纹核对。",
    ),
    "verifier": (
        "The standalone verifier: Python and `cryptography` only, no network.",
        "独立验证程序：仅需 Python 与 cryptography，无需联网。",
    ),
    "index": ("This index.", "本索引。"),
}

TYPE_NAMES: dict[str, tuple[str, str]] = {
    "leaf": ("Ledger leaf", "账本叶子"),
    "bundle_leaf": ("Bundle leaf", "证据包叶子"),
    "inclusion_proof": ("Inclusion proof", "包含证明"),
    "warc_record": ("WARC record", "WARC 记录"),
    "screenshot": ("Screenshot", "截图"),
    "checkpoint": ("Signed checkpoint", "签名检查点"),
    "timestamp_token": ("RFC 3161 timestamp", "RFC 3161 时间戳"),
    "consistency_proof": ("Consistency proof", "一致性证明"),
    "public_key": ("Public key", "公钥"),
    "verifier": ("Verifier", "验证程序"),
    "index": ("Index", "索引"),
}

HOW_TO = {
    "en": [
        "Run: python verify.py (in the extracted folder) or python verify.py bundle.zip. "
        "It needs Python 3.11+ and the `cryptography` package, and no network. "
        "Every line it prints names an item and what was checked; exit status 0 only "
        "when every check passes.",
        "Compare the public key's fingerprint that verify.py prints with the one the log "
        "operator published elsewhere, or pass it: --trust-fingerprint HEX.",
        "If you kept an older checkpoint of this log, pass it: --checkpoint older.txt; the "
        "verifier checks the newest checkpoint extends it.",
        "By hand: SHA-256 of each file equals manifest.json; a leaf hash is "
        "SHA-256(0x00 || leaf bytes); run RFC 9162 §2.1.3.2 with the tlog-proof's index and "
        "hashes and the checkpoint's size and root; verify the checkpoint's Ed25519 "
        "signature (C2SP signed note) with the vkey; a WARC record's and a screenshot's "
        "SHA-256 equal the ones in their leaf; a timestamp token: "
        "openssl ts -verify -data checkpoint.txt -in checkpoint.tsr -CAfile tsa.pem.",
    ],
    "zh": [
        "运行：在解压目录中执行 python verify.py，或执行 python verify.py bundle.zip。"
        "只需 Python 3.11 以上及 cryptography 软件包，无需联网。"
        "每行输出都写明所核验的项目及内容；全部通过时退出码为 0。",
        "请将 verify.py 输出的公钥指纹与账本运营方另行公布的指纹核对，"
        "或以 --trust-fingerprint HEX 传入。",
        "如保存有本账本较早的检查点，请以 --checkpoint older.txt 传入，"
        "验证程序将核验最新检查点是其延续。",
        "手工核验：各文件的 SHA-256 与 manifest.json 一致；叶子哈希为 SHA-256(0x00 || 叶子字节)；"
        "以 tlog-proof 中的序号与哈希、检查点的大小与根哈希执行 RFC 9162 §2.1.3.2；"
        "用 vkey 核验检查点的 Ed25519 签名（C2SP 签名注记）；WARC 记录与截图的 SHA-256 "
        "与其叶子中记录的一致；时间戳可用 openssl ts -verify 核验。",
    ],
}

TITLES = {
    "en": "SwordNet evidence bundle: {kind} {id}",
    "zh": "SwordNet 证据包：{kind} {id}",
}
KIND_ZH = {"detection": "侵权检测", "notice": "通知", "case": "案件"}


def _grouped(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item["type"]].append(item)
    return groups


def _title(manifest: dict[str, Any], language: str) -> str:
    subject = manifest["subject"]
    kind = subject["kind"] if language == "en" else KIND_ZH.get(subject["kind"], subject["kind"])
    return TITLES[language].format(kind=kind, id=subject["id"])


def render(manifest: dict[str, Any]) -> tuple[str, bytes]:
    return render_html(manifest), render_pdf(manifest)


def render_html(manifest: dict[str, Any]) -> str:
    parts = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(_title(manifest, 'zh'))} / {escape(_title(manifest, 'en'))}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "font-size:90%;vertical-align:top}code{word-break:break-all}</style></head><body>",
    ]
    groups = _grouped(manifest["items"])
    for language in ("zh", "en"):
        parts.append(f'<section lang="{language}"><h1>{escape(_title(manifest, language))}</h1>')
        facts = [
            ("Log" if language == "en" else "账本", manifest["origin"]),
            ("Checkpoint" if language == "en" else "检查点", manifest["checkpoint"]),
            ("Public key" if language == "en" else "公钥", manifest["vkey"]),
            ("Bundle" if language == "en" else "证据包编号", manifest["bundle_id"]),
            ("Made" if language == "en" else "生成时间", manifest["created_at"]),
        ]
        parts.append("<dl>")
        for name, value in facts:
            parts.append(f"<dt>{escape(name)}</dt><dd><code>{escape(str(value))}</code></dd>")
        parts.append(
            "</dl><h2>" + ("How to check" if language == "en" else "如何核验") + "</h2><ol>"
        )
        parts.extend(f"<li>{escape(step)}</li>" for step in HOW_TO[language])
        parts.append("</ol>")
        if manifest.get("omitted"):
            parts.append("<h2>" + ("Not included" if language == "en" else "未包含") + "</h2><ul>")
            parts.extend(f"<li>{escape(line)}</li>" for line in manifest["omitted"])
            parts.append("</ul>")
        for kind, members in groups.items():
            name = TYPE_NAMES[kind][0 if language == "en" else 1]
            proves = PROVES[kind][0 if language == "en" else 1]
            parts.append(f"<h2>{escape(name)} ({len(members)})</h2><p>{escape(proves)}</p>")
            if language == "en":  # the table once: paths and digests need no translation
                parts.append("<table><tr><th>path</th><th>SHA-256</th><th>about</th></tr>")
                for item in members:
                    about = ", ".join(
                        f"{k} {item[k]}" for k in ("index", "kind", "leaf", "size") if k in item
                    )
                    parts.append(
                        f"<tr><td><code>{escape(item['path'])}</code></td>"
                        f"<td><code>{item['sha256']}</code></td><td>{escape(about)}</td></tr>"
                    )
                parts.append("</table>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)


def render_pdf(manifest: dict[str, Any]) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_title(manifest, "en"))
    pdf.set_creator("SwordNet")
    font = cjk_font()
    languages: tuple[str, ...] = ("zh", "en")
    if font is not None:
        pdf.add_font("body", fname=str(font))
        family = "body"
    else:  # no CJK font installed: the English half only
        family, languages = "helvetica", ("en",)
    groups = _grouped(manifest["items"])

    def line(text: str, size: int = 9) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)

    for language in languages:
        en = language == "en"
        pdf.add_page()
        line(_title(manifest, language), 14)
        line(f"{'Log' if en else '账本'}: {manifest['origin']}")
        line(f"{'Checkpoint' if en else '检查点'}: {manifest['checkpoint']}")
        line(f"{'Public key' if en else '公钥'}: {manifest['vkey']}")
        line(f"{'Bundle' if en else '证据包编号'}: {manifest['bundle_id']}")
        line(" ")
        line("How to check" if en else "如何核验", 12)
        for number, step in enumerate(HOW_TO[language], 1):
            line(f"{number}. {step}")
        for kind, members in groups.items():
            line(" ")
            line(f"{TYPE_NAMES[kind][0 if en else 1]} ({len(members)})", 11)
            line(PROVES[kind][0 if en else 1])
            for item in members[:PDF_ROWS]:
                line(f"{item['path']}  SHA-256 {item['sha256']}", 7)
            if len(members) > PDF_ROWS:
                more = len(members) - PDF_ROWS
                line(
                    f"... {more} more: see manifest.json"
                    if en
                    else f"……另有 {more} 项，见 manifest.json",
                    7,
                )
    return bytes(pdf.output())
