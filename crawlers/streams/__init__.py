"""HLS and DASH streams: found on pages, planned from their playlists within the video caps,
fetched segment by segment through the crawl's guarded downloader, and joined into one video.

`links` finds playlists in pages (imported by `crawlers.extract`, so it stays light); `hls`,
`dash` and `dash_segments` read playlists (pure); `plan` holds the caps; `aes` decrypts HLS
AES-128 segments; `fetch` is the Scrapy side, used by the spider.
"""
