"""CI step: the Python `mcp` SDK's client speaks to `scopelint mcp` over stdio.

Lists the tools, checks a target, and sends one in-scope and one out-of-scope request; HTTP
goes only to a server on 127.0.0.1 (every name pinned with --resolve). Exits non-zero on any
failure, so CI fails when it cannot run.
"""

import asyncio
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

HITS = []


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        HITS.append((self.server.name, self.path))
        body = f"served {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start(name):
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    srv.name = name
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


def text_of(result):
    return json.loads(result.content[0].text)


async def main(binary, rules):
    inside, outside = start("inside"), start("outside")
    params = StdioServerParameters(
        command=binary,
        args=[
            "--isolated", "--rules", rules, "mcp",
            f"--resolve=www.example.net:{inside}:127.0.0.1",
            f"--resolve=evil.example.org:{outside}:127.0.0.1",
        ],
        env={k: v for k, v in os.environ.items() if k != "SCOPELINT_RULES"},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            names = sorted(t.name for t in (await session.list_tools()).tools)
            assert names == ["audit_tail", "check_targets", "lint_draft", "program_summary",
                             "send_request"], names
            v = text_of(await session.call_tool("check_targets", {"targets": ["evil.example.org"]}))
            assert v["results"][0]["verdict"] == "out-of-scope", v
            v = text_of(await session.call_tool(
                "send_request", {"method": "GET", "url": f"http://www.example.net:{inside}/py"}))
            assert v["status"] == 200 and v["body"] == "served /py", v
            r = await session.call_tool(
                "send_request", {"method": "GET", "url": f"http://evil.example.org:{outside}/py"})
            assert not getattr(r, "is_error", getattr(r, "isError", False)), r
            v = text_of(r)
            assert v["sent"] is False and v["refused"]["rule"] == "no-asset", v
    assert HITS == [("inside", "/py")], HITS
    print("mcp python client: 1 request arrived, 1 refused, tools listed:", ", ".join(names))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
