"""Text files are read in the encoding they are in, detected, or refused: never guessed."""

from __future__ import annotations

import codecs

import pytest

from swordnet.domain.errors import CorruptMediaError, MediaError
from swordnet.modalities.text import TextSignal
from swordnet.modalities.text.encoding import text_encoding
from swordnet.modalities.text.signal import decode_text
from swordnet.plugins.signals import MediaInput

# Written for these tests (traditional characters, as used in Taiwan and Hong Kong).
TRADITIONAL = (
    "我們在山腳下的小鎮住了三個夏天。每天清晨，祖父總是先到河邊散步，回來時帶著一籃新鮮的蔬菜。"
    "鄰居們常常聚在廟口的大樹下聊天，談論天氣、收成和遠方親戚的消息。孩子們在巷子裡奔跑，"
    "直到晚飯的炊煙升起才肯回家。那些日子雖然簡單，卻讓人覺得非常溫暖。"
)
SIMPLIFIED = (
    "我们在山脚下的小镇住了三个夏天。每天清晨，祖父总是先到河边散步，回来时带着一篮新鲜的蔬菜。"
    "邻居们常常聚在庙口的大树下聊天，谈论天气、收成和远方亲戚的消息。"
)
JAPANESE = (
    "私たちは山のふもとの小さな町で三回の夏を過ごしました。毎朝、祖父は川辺を散歩してから、"
    "新鮮な野菜を持って帰ってきました。近所の人たちはよくお寺の前の大きな木の下に集まって、"
    "天気や収穫、遠くに住む親戚の話をしていました。子供たちは路地を走り回り、"
    "夕食の煙が上がるまで家に帰ろうとしませんでした。"
)
RUSSIAN = (
    "Мы провели три лета в маленьком городке у подножия горы. Каждое утро дедушка гулял "
    "у реки и возвращался с корзиной свежих овощей. Соседи часто собирались под большим "
    "деревом у храма и говорили о погоде, урожае и новостях от дальних родственников."
)


def test_big5_chinese_decodes_as_big5_not_gb18030() -> None:
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the trap: Big5 bytes are valid GB18030 too, as gibberish
    assert codecs.lookup(text_encoding(data, "novel.txt")).name == "big5"
    assert decode_text(data, "novel.txt") == TRADITIONAL


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (SIMPLIFIED, "gb18030"),
        (SIMPLIFIED, "gbk"),
        (JAPANESE, "shift_jis"),
        (JAPANESE, "euc_jp"),
        (RUSSIAN, "cp1251"),
        (RUSSIAN, "koi8_r"),
    ],
)
def test_legacy_encodings_are_detected(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding), "chapter.txt") == text


@pytest.mark.parametrize(
    "data",
    [
        TRADITIONAL.encode("utf-8"),
        codecs.BOM_UTF8 + TRADITIONAL.encode("utf-8"),
        TRADITIONAL.encode("utf-16"),  # Python writes the byte-order mark
        codecs.BOM_UTF16_BE + TRADITIONAL.encode("utf-16-be"),
        TRADITIONAL.encode("utf-32"),
    ],
)
def test_utf8_and_marked_unicode_are_read_exactly(data: bytes) -> None:
    assert decode_text(data, "chapter.txt") == TRADITIONAL


def test_undecidable_bytes_are_refused_naming_the_file_and_the_fix() -> None:
    # A dozen characters of GBK also decode as UTF-16 and as Japanese: too short to tell.
    with pytest.raises(CorruptMediaError) as caught:
        decode_text(SIMPLIFIED[:12].encode("gbk"), "short.txt")
    assert "short.txt" in str(caught.value) and "save it as UTF-8" in str(caught.value)


def test_a_byte_order_mark_that_lies_is_refused() -> None:
    with pytest.raises(CorruptMediaError, match="despite its byte-order mark"):
        decode_text(codecs.BOM_UTF8 + b"caf\xe9 au lait", "menu.txt")


def test_utf16_without_a_mark_is_refused_with_advice() -> None:
    with pytest.raises(CorruptMediaError, match=r"without a byte-order mark.*UTF-8"):
        decode_text(TRADITIONAL.encode("utf-16-le"), "chapter.txt")


def test_the_text_signal_fingerprints_big5_as_the_same_text_as_utf8() -> None:
    signal = TextSignal()
    big5 = signal.fingerprint(MediaInput(name="a.txt", data=TRADITIONAL.encode("big5")))
    utf8 = signal.fingerprint(MediaInput(name="b.txt", data=TRADITIONAL.encode("utf-8")))
    assert big5.payload == utf8.payload


def test_an_empty_text_is_not_an_error_of_decoding() -> None:
    # Empty files are refused before any signal sees them (services.fingerprinting).
    assert decode_text(b"", "empty.txt") == ""
    with pytest.raises(MediaError):
        decode_text(b"\x00\x01\x02" * 100, "garbage.txt")
