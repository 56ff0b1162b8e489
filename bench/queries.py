"""SQL queries per page, uncached and cached: run by bench/run.py with the bench environment.

Prints one JSON object: {url: {"uncached": n, "cached": n}}.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


def main(urls):
    django.setup()
    result = {}
    with override_settings(ALLOWED_HOSTS=["*"]):
        client = Client(HTTP_HOST="127.0.0.1")
        for url in urls:
            with override_settings(PAGE_CACHE_ENABLED=False):
                client.get(url)  # the first request of a process pays for imports
                uncached = count(client, url)
            with override_settings(PAGE_CACHE_ENABLED=True):
                client.get(url)
                cached = count(client, url)
            result[url] = {"uncached": uncached, "cached": cached}
    cache.close()
    print(json.dumps(result))  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
