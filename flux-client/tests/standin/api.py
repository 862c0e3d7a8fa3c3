#!/usr/bin/env python3
"""A stand-in for the OneRouter images API and its image host, written apart from the crate's
own mock (whose behaviour the crate's authors chose): what a hostile or broken server can answer,
driven by words in the prompt, with a log of every paid generation.

Started by the `flux` command's tests (tests/cli/standin.rs):

    python3 api.py --key sk-...      # prints one line: "api=http://127.0.0.1:A images=http://127.0.0.1:B"

API (port A):
    POST /v1/images/generations   the key required (401 otherwise); the answer depends on the
                                  prompt (see `answer`); every accepted request is logged
    GET  /log                     {"generations": [prompt, ...], "answered": [seconds, ...]}:
                                  each accepted request's prompt in arrival order, and when its
                                  answer was sent (Unix time)
Image host (port B):
    GET /img/<name>.png           a PNG
    GET /hang/<name>.png          the first request never answers, later ones get the PNG
    GET /gone/<name>.png          404
"""

import argparse
import base64
import json
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def png(width=2, height=2, padding=0):
    """A valid PNG of `width` x `height` grey pixels, `padding` bytes bigger in a tEXt chunk."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    text = chunk(b"tEXt", b"padding\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()
LOG = []
ANSWERED = []
LOG_LOCK = threading.Lock()
# The /hang/ paths requested once: the first download of each never ends, later ones succeed.
HUNG = set()


def answer(prompt, n, key, images):
    """The 200 answer's body (bytes) for `prompt`. Words in the prompt:
    b64        every image as b64_json (a 1.4 MB PNG with `big`)
    slow       the answer waits 0.3 s
    mixed      image 1 as b64_json, image 2 as a URL
    hang       URL images on /hang/ (the download never ends)
    second-404 two URL images, the second on /gone/
    key-ctrl   revised_prompt echoes the key with a BEL inside it
    key-prompt revised_prompt echoes the key
    key-url    the image URL carries the key in its query
    many       10,000 URL images whatever `n` says
    bad-utf8   revised_prompt holds a byte that is not UTF-8
    huge-created  created is 1e309
    """
    count = 10_000 if "many" in prompt else (2 if ("mixed" in prompt or "second-404" in prompt) else n)
    blob = base64.b64encode(png(64, 64, 1_400_000) if "big" in prompt else PNG).decode()
    place = "hang" if "hang" in prompt else "img"
    revised = prompt
    if "key-ctrl" in prompt:
        revised = "echo " + key[:9] + "\u0007" + key[9:]
    elif "key-prompt" in prompt:
        revised = "echo " + key
    data = []
    for i in range(count):
        url = f"{images}/{place}/{abs(hash(prompt))}-{i}.png"
        if "second-404" in prompt and i == 1:
            url = f"{images}/gone/{i}.png"
        if "key-url" in prompt:
            url += "?token=" + key
        if "b64" in prompt or ("mixed" in prompt and i == 0):
            data.append({"b64_json": blob, "revised_prompt": revised})
        else:
            data.append({"url": url, "revised_prompt": revised})
    body = json.dumps({"created": 1700000000, "data": data}).encode()
    if "bad-utf8" in prompt:
        body = body.replace(b'"revised_prompt": "', b'"revised_prompt": "\xff', 1)
    if "huge-created" in prompt:
        body = body.replace(b'"created": 1700000000', b'"created": 1e309', 1)
    return body


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    key = ""
    images = ""

    def log_message(self, *args):
        pass

    def send(self, status, body, kind="application/json"):
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/log":
            with LOG_LOCK:
                body = json.dumps({"generations": list(LOG), "answered": list(ANSWERED)}).encode()
            self.send(200, body)
        else:
            self.send(404, b'{"error": {"message": "not found", "type": "not_found"}}')

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        # The raw key, as OneRouter's image API documents it (`Bearer` accepted too).
        if self.headers.get("authorization") not in (self.key, "Bearer " + self.key):
            self.send(401, b'{"error": {"message": "invalid api key", "type": "authentication_error", "code": "invalid_api_key"}}')
            return
        try:
            request = json.loads(raw)
            prompt = request["prompt"]
            n = int(request.get("n") or 1)
        except (ValueError, KeyError, TypeError) as e:
            self.send(400, json.dumps({"error": {"message": f"bad request: {e}", "type": "invalid_request_error"}}).encode())
            return
        if "slow" in prompt:
            time.sleep(0.3)
        with LOG_LOCK:
            LOG.append(prompt)
            slot = len(ANSWERED)
            ANSWERED.append(0.0)
        self.send(200, answer(prompt, n, self.key, self.images))
        # Only an answer sent whole gets its time (one cut by a kill stays 0: it never arrived).
        with LOG_LOCK:
            ANSWERED[slot] = time.time()


class Images(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/hang/"):
            with LOG_LOCK:
                first = self.path not in HUNG
                HUNG.add(self.path)
            if first:
                time.sleep(3600)
                return
        if self.path.startswith(("/img/", "/hang/")):
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("content-length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)
            return
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client killed mid-answer (the kill tests do it on purpose) is not a stand-in fault.
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    images = Server(("127.0.0.1", 0), Images)
    Api.key = args.key
    Api.images = f"http://127.0.0.1:{images.server_address[1]}"
    api = Server(("127.0.0.1", 0), Api)
    threading.Thread(target=images.serve_forever, daemon=True).start()
    print(f"api=http://127.0.0.1:{api.server_address[1]} images={Api.images}", flush=True)
    # Ends with its parent: the test closes stdin (or dies), and the stand-in exits.
    threading.Thread(target=api.serve_forever, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
