"""The other key areas of a campaign: photos, music, e-commerce, share links, licensed reprints.

Each builder returns a site and the copies it carries as ``(path or URL, work key,
transform)``; media copies are made with the modalities' own pirate transforms.
"""

from __future__ import annotations

import html
import json
import random

from swordnet.simweb import media
from swordnet.simweb.server import Response, Site

Planted = list[tuple[str, str, str]]


def _page(site: str, title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><header>{html.escape(site)} <a href='/'>Home</a></header>"
        f"<main><h1>{html.escape(title)}</h1>{body}</main><footer>{html.escape(site)}</footer>"
        "</body></html>"
    )


def _index(site: Site, links: list[tuple[str, str]]) -> None:
    items = "".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for href, label in links)
    site.add_page("/", _page(site.name, site.name, f"<ul>{items}</ul>"))
    site.routes["/robots.txt"] = Response(b"User-agent: *\nAllow: /\n", "text/plain")


def build_gallery(photos: dict[str, int], rng: random.Random) -> tuple[Site, Planted]:
    """photos: work key -> generator seed. Each copy sits on its own page as a JPEG."""
    site = Site(key="gallery", name="HD Wallpapers Free", category="photo")
    planted: Planted = []
    links = []
    transforms = list(media.PHOTO_COPIES.items())
    for number, (key, seed) in enumerate(photos.items()):
        transform_name, transform = transforms[number % len(transforms)]
        copy = transform(media.photo(seed), rng)
        image_path = f"/uploads/{number + 1:04d}.jpg"
        site.routes[image_path] = Response(media.jpeg_bytes(copy, quality=70), "image/jpeg")
        page = f"/wallpaper/{number + 1}.html"
        site.add_page(
            page, _page(site.name, f"Wallpaper {number + 1}", f'<img src="{image_path}" alt="">')
        )
        links.append((page, f"Wallpaper {number + 1}"))
        planted.append((image_path, key, transform_name))
    for number in range(2):  # the site's own pictures: must match nothing
        image_path = f"/uploads/own-{number}.jpg"
        site.routes[image_path] = Response(
            media.jpeg_bytes(media.photo(9000 + number)), "image/jpeg"
        )
        site.add_page(
            f"/own/{number}.html", _page(site.name, "Our photo", f'<img src="{image_path}">')
        )
        links.append((f"/own/{number}.html", "Our photo"))
    _index(site, links)
    return site, planted


def build_music_site(tracks: dict[str, int], rng: random.Random) -> tuple[Site, Planted]:
    site = Site(key="music", name="Free MP3 Download", category="music")
    planted: Planted = []
    links = []
    transforms = list(media.MUSIC_COPIES.items())
    for number, (key, seed) in enumerate(tracks.items()):
        transform_name, transform = transforms[number % len(transforms)]
        copy = transform(media.music(seed), rng)
        audio_path = f"/mp3/{number + 1:03d}.mp3"
        site.routes[audio_path] = Response(media.encode_audio(copy, bit_rate=64000), "audio/mpeg")
        page = f"/song/{number + 1}.html"
        body = f'<audio controls src="{audio_path}"></audio><p>Free download, 64 kbps.</p>'
        site.add_page(page, _page(site.name, f"Track {number + 1}", body))
        links.append((page, f"Track {number + 1}"))
        planted.append((audio_path, key, transform_name))
    own = "/mp3/own.mp3"
    site.routes[own] = Response(
        media.encode_audio(media.music(777)[: 20 * media.MUSIC_RATE]), "audio/mpeg"
    )
    site.add_page("/song/own.html", _page(site.name, "Our jingle", f'<audio src="{own}"></audio>'))
    links.append(("/song/own.html", "Our jingle"))
    _index(site, links)
    return site, planted


def build_shop(
    books: dict[str, str], cover_photo: tuple[str, int], rng: random.Random
) -> tuple[Site, list[tuple[str, str]], Planted]:
    """books: book title -> listing title. Listings carry schema.org Product JSON-LD; the
    first listing's cover is a re-compressed copy of a catalogued photo (``cover_photo``:
    work key, seed), the others are the shop's own pictures."""
    site = Site(key="shop", name="Cheap eBook Mall", category="ecommerce")
    listed: list[tuple[str, str]] = []
    covers: Planted = []
    links = []
    products = [*books.items(), ("", "《山海奇谈》精装典藏版 实体书")]
    for number, (book, listing_title) in enumerate(products, start=1):
        cover = f"/cover/{number}.jpg"
        if number == 1:
            picture = media.PHOTO_COPIES["recompressed and resized"](
                media.photo(cover_photo[1]), rng
            )
            covers.append((cover, cover_photo[0], "listing picture"))
        else:
            picture = media.book_cover(f"Book {number}", 8000 + number)
        site.routes[cover] = Response(media.jpeg_bytes(picture, quality=75), "image/jpeg")
        path = f"/item/{number}.html"
        product = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": listing_title,
            "image": [f"/cover/{number}.jpg"],
            "offers": {
                "@type": "Offer",
                "price": f"{1.99 + number:.2f}",
                "priceCurrency": "CNY",
                "seller": {"@type": "Organization", "name": "书香小铺"},
            },
        }
        body = (
            f'<script type="application/ld+json">{json.dumps(product, ensure_ascii=False)}</script>'
            f"<p>{html.escape(listing_title)}</p><p>月销 {300 * number}+</p>"
        )
        site.add_page(path, _page(site.name, listing_title, body))
        links.append((path, listing_title))
        if book:
            listed.append((path, book))
    _index(site, links)
    return site, listed, covers


def build_forum(shares: list[tuple[str, str, str]]) -> tuple[Site, list[tuple[str, str]]]:
    """shares: (book title or "" for an unrelated post, post title, share link line)."""
    site = Site(key="forum", name="Resource Sharing Forum", category="forum")
    posted: list[tuple[str, str]] = []
    links = []
    for number, (book, title, line) in enumerate(shares, start=1):
        path = f"/thread-{number}.html"
        body = f"<div class='post'><p>{html.escape(title)}</p><p>{html.escape(line)}</p></div>"
        site.add_page(path, _page(site.name, title, body))
        links.append((path, title))
        if book:  # the thread offering the link is what is found and taken down
            posted.append((path, book))
    _index(site, links)
    return site, posted


def build_video_site(film_key: str, seed: int) -> tuple[Site, Planted]:
    """A streaming site: a mirrored excerpt of a catalogued film restreamed over HLS behind
    a JavaScript player, and a video of its own as a plain file."""
    site = Site(key="video", name="Free Movies Online", category="video")
    stream = media.hls_restream(seed)
    for name, data in stream.items():
        kind = "application/vnd.apple.mpegurl" if name.endswith(".m3u8") else "video/mp2t"
        site.routes[f"/live/1/{name}"] = Response(data, kind)
    player = (
        '<div id="player"></div><script>var hls = new Hls();'
        'hls.loadSource("/live/1/index.m3u8"); hls.attachMedia(video);</script>'
    )
    site.add_page("/watch/1.html", _page(site.name, "Watch online, HD, free", player))
    site.routes["/files/own.mp4"] = Response(media.video(seed + 500, 12.0), "video/mp4")
    own = '<video controls src="/files/own.mp4"></video>'
    site.add_page("/watch/2.html", _page(site.name, "Our channel trailer", own))
    _index(site, [("/watch/1.html", "Watch online"), ("/watch/2.html", "Trailer")])
    return site, [("/live/1/index.m3u8", film_key, "mirrored excerpt restreamed over HLS")]
