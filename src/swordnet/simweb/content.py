"""Generated prose for the demonstration catalogue: original text, nobody's copyright.

Sentences are drawn from fixed word lists with a seeded random generator, so the same
seed always gives the same works, and no text of anyone else is shipped or downloaded.
"""

from __future__ import annotations

import random

_ZH_SUBJECTS = (
    "少年",
    "老人",
    "师父",
    "将军",
    "书生",
    "掌柜",
    "姑娘",
    "小二",
    "道长",
    "公主",
    "捕快",
    "郎中",
    "商人",
    "船夫",
    "猎户",
    "剑客",
    "县令",
    "和尚",
    "农夫",
    "乞丐",
)
_ZH_VERBS = (
    "走进",
    "看着",
    "想起",
    "推开",
    "拿起",
    "望向",
    "穿过",
    "守着",
    "找到",
    "放下",
    "听见",
    "记得",
    "收起",
    "留下",
    "送来",
    "点亮",
    "登上",
    "绕过",
    "写下",
    "藏起",
)
_ZH_OBJECTS = (
    "院子",
    "长剑",
    "书信",
    "灯笼",
    "茶碗",
    "山门",
    "木箱",
    "古琴",
    "地图",
    "铜镜",
    "小船",
    "竹林",
    "城墙",
    "酒坛",
    "药方",
    "玉佩",
    "石桥",
    "客栈",
    "钥匙",
    "画卷",
)
_ZH_ADVERBS = (
    "慢慢地",
    "悄悄地",
    "忽然",
    "终于",
    "默默地",
    "轻轻地",
    "急忙",
    "依旧",
    "早已",
    "仿佛",
)
_ZH_TAILS = (
    "心里一阵发紧",
    "窗外的雨越下越大",
    "远处传来几声钟响",
    "谁也没有说话",
    "风从山谷里吹过来",
    "天色渐渐暗了下来",
    "月光照在青石板上",
    "他知道事情还没有结束",
    "街上的人越来越少",
    "炉火噼啪作响",
    "她的眼睛里有泪光",
    "夜里的江水格外安静",
)

_ZH_SURNAMES = (
    "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈"
    "曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔"
    "康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_ZH_GIVEN = "晓风云月明华光天玉清子文雪春秋冬夏青红梅兰竹菊山川河海星辰雨霜安平康宁静远志诚信义仁德"
_EN_SYLLABLES = (
    "ka",
    "lo",
    "ren",
    "mi",
    "tor",
    "vel",
    "an",
    "sha",
    "bri",
    "do",
    "fen",
    "gu",
    "hal",
    "is",
    "jun",
    "ko",
)

_EN_SUBJECTS = (
    "the ministry",
    "a spokesperson",
    "local officials",
    "the committee",
    "researchers",
    "the council",
    "residents",
    "the agency",
    "engineers",
    "farmers",
    "the mayor",
    "students",
    "the board",
    "volunteers",
    "economists",
    "the court",
)
_EN_VERBS = (
    "announced",
    "reviewed",
    "approved",
    "questioned",
    "expanded",
    "published",
    "delayed",
    "welcomed",
    "criticised",
    "funded",
    "inspected",
    "proposed",
    "completed",
    "reported",
)
_EN_OBJECTS = (
    "a new transport plan",
    "the regional budget",
    "water quality figures",
    "the harbour project",
    "a report on rural schools",
    "plans for a riverside park",
    "the annual harvest survey",
    "new rules for street markets",
    "the bridge repairs",
    "a study of air pollution",
    "the museum renovation",
    "a programme for young workers",
    "the flood defences",
)
_EN_TAILS = (
    "on Tuesday",
    "after months of debate",
    "despite objections",
    "ahead of the winter",
    "according to a statement",
    "at a press conference",
    "in the northern district",
    "for the third year running",
    "with support from the province",
    "earlier this week",
)


def chinese_chapter(rng: random.Random, chars: int) -> str:
    """Paragraphs of Chinese narrative prose of about ``chars`` characters."""
    paragraphs: list[str] = []
    length = 0
    while length < chars:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            name = rng.choice(_ZH_SURNAMES) + rng.choice(_ZH_GIVEN) + rng.choice(_ZH_GIVEN)
            sentence = (
                f"{rng.choice(_ZH_SUBJECTS)}{name}{rng.choice(_ZH_ADVERBS)}{rng.choice(_ZH_VERBS)}"
                f"{rng.choice(_ZH_OBJECTS)}，{rng.choice(_ZH_TAILS)}"
            )
            sentences.append(sentence + rng.choice("。。。！？"))
        paragraph = "".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph)
    return "\n".join(paragraphs)


def english_article(rng: random.Random, words: int) -> str:
    """Paragraphs of news-style English prose of about ``words`` words."""
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            subject = rng.choice(_EN_SUBJECTS)
            place = "".join(rng.choice(_EN_SYLLABLES) for _ in range(rng.randint(2, 4))).title()
            sentence = (
                f"{subject[0].upper()}{subject[1:]} in {place} {rng.choice(_EN_VERBS)} "
                f"{rng.choice(_EN_OBJECTS)} worth {rng.randint(2, 990)} million "
                f"{rng.choice(_EN_TAILS)}"
            )
            sentences.append(sentence + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n".join(paragraphs)
