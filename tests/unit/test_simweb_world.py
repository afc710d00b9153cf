from __future__ import annotations

from swordnet.simweb.world import build_world, inject_ads, to_full_width


def test_world_is_deterministic() -> None:
    first, second = build_world(7), build_world(7)
    assert [e.content() for e in first.catalogue] == [e.content() for e in second.catalogue]
    assert first.expected == second.expected
    assert build_world(8, with_media=False).catalogue[0].text != first.catalogue[0].text


def test_every_expected_copy_is_served() -> None:
    world = build_world()
    routes = {site.key: site.routes for site in world.sites}
    kinds = {item.transform for item in world.expected}
    assert {"exact", "traditional", "mirrored", "sped up 5%", "title", "licensed reprint"} <= kinds
    for item in world.expected:
        assert "://" in item.path or item.path in routes[item.site]


def test_full_width_round_trips_under_nfkc() -> None:
    import unicodedata

    assert unicodedata.normalize("NFKC", to_full_width("Hello, World 42!")) == "Hello, World 42!"


def test_ads_are_inserted_at_boundaries() -> None:
    import random

    text = "一二三四五。" * 200
    with_ads = inject_ads(text, random.Random(1), ["AD"])
    assert with_ads.count("AD") >= 2
    assert with_ads.replace("\nAD\n", "") == text
