"""`jikimi serve`: the web portal for NGO operators (and, as it grows, victims and takedown teams).

It serves HTTPS when `portal.tls_cert` and `portal.tls_key` are set; otherwise plain HTTP for a
TLS-terminating proxy in front (its cookies are `Secure`, so browsers send them over HTTPS only).
"""

from __future__ import annotations

import argparse
import sys

from jikimi.commands.console import Handler
from kernel.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    text = "run the web portal (review queue, decisions)"
    p = sub.add_parser("serve", help=text, description=text)
    p.add_argument("--host", help="address to listen on (default portal.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default portal.port, 8000)")
    handler: Handler = cmd_serve
    p.set_defaults(handler=handler)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # the server only for this command: every other command starts faster

    from jikimi.portal.app import create_app

    portal = settings.portal
    host, port = args.host or portal.host, args.port or portal.port
    tls = portal.tls_cert is not None and portal.tls_key is not None
    scheme = "https" if tls else "http"
    print(f"jikimi portal on {scheme}://{host}:{port}/ (sign in with an account made by "
          "`jikimi users add`)", file=sys.stderr, flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                ssl_certfile=str(portal.tls_cert) if tls else None,
                ssl_keyfile=str(portal.tls_key) if tls else None)
    return 0
