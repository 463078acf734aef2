#!/usr/bin/env python3
"""SMTP server of the tma test lab (docs/notify.md).

A small real SMTP server (RFC 5321 subset) on 127.0.0.1, port 0 (the port it got is written to
--port-file). Python 3.12 dropped smtpd and aiosmtpd is not in Debian 12's default install, so the
lab carries its own: EHLO/HELO, STARTTLS (when --cert/--key are given), AUTH PLAIN and LOGIN
(checked against --user/--password when given), MAIL, RCPT, DATA, RSET, NOOP, QUIT.

Every accepted message is appended to --messages as one JSON line:
  {"mail_from", "rcpt": [...], "data", "tls": bool, "auth": user or null}
"""
import argparse
import base64
import json
import socket
import socketserver
import ssl
import threading

LOCK = threading.Lock()


def address(arg):
    """The path of `FROM:<a@b> SIZE=12` / `TO:<a@b>`, parameters dropped."""
    path = arg.split(":", 1)[1].strip()
    if path.startswith("<"):
        return path[1:path.index(">")]
    return path.split(" ", 1)[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--messages", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    class Handler(socketserver.StreamRequestHandler):
        def send(self, line):
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def handle(self):
            self.tls = False
            self.auth = None
            self.reset()
            self.send("220 lab.tma.invalid ESMTP tma-lab")
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb in ("EHLO", "HELO"):
                    lines = ["250-lab.tma.invalid", "250-8BITMIME"]
                    if context is not None and not self.tls:
                        lines.append("250-STARTTLS")
                    if args.user and (self.tls or context is None):
                        lines.append("250-AUTH PLAIN LOGIN")
                    lines.append("250 SIZE 10485760")
                    for l in lines:
                        self.send(l)
                elif verb == "STARTTLS" and context is not None and not self.tls:
                    self.send("220 go ahead")
                    self.connection = context.wrap_socket(self.connection, server_side=True)
                    self.rfile = self.connection.makefile("rb")
                    self.wfile = self.connection.makefile("wb")
                    self.tls = True
                    self.reset()
                elif verb == "AUTH":
                    self.authenticate(arg)
                elif verb == "MAIL":
                    if args.user and self.auth is None:
                        self.send("530 authentication required")
                        continue
                    self.mail_from = address(arg)
                    self.send("250 ok")
                elif verb == "RCPT":
                    self.rcpt.append(address(arg))
                    self.send("250 ok")
                elif verb == "DATA":
                    self.send("354 end with .")
                    data = []
                    while True:
                        l = self.rfile.readline()
                        if not l or l in (b".\r\n", b".\n"):
                            break
                        if l.startswith(b".."):
                            l = l[1:]
                        data.append(l.decode("utf-8", "replace"))
                    with LOCK, open(args.messages, "a") as out:
                        out.write(json.dumps({"mail_from": self.mail_from, "rcpt": self.rcpt,
                                              "data": "".join(data), "tls": self.tls,
                                              "auth": self.auth}) + "\n")
                    self.reset()
                    self.send("250 queued")
                elif verb == "RSET":
                    self.reset()
                    self.send("250 ok")
                elif verb == "NOOP":
                    self.send("250 ok")
                elif verb == "QUIT":
                    self.send("221 bye")
                    return
                else:
                    self.send("502 command not implemented")

        def reset(self):
            self.mail_from = None
            self.rcpt = []

        def authenticate(self, arg):
            parts = arg.split(" ", 1)
            mechanism = parts[0].upper()
            if mechanism == "PLAIN":
                payload = parts[1] if len(parts) > 1 else None
                if payload is None:
                    self.send("334 ")
                    payload = self.rfile.readline().decode().strip()
                _, user, password = base64.b64decode(payload).decode().split("\0")
            elif mechanism == "LOGIN":
                if len(parts) > 1:
                    user = base64.b64decode(parts[1]).decode()
                else:
                    self.send("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.rfile.readline().strip()).decode()
                self.send("334 UGFzc3dvcmQ6")
                password = base64.b64decode(self.rfile.readline().strip()).decode()
            else:
                self.send("504 unrecognized mechanism")
                return
            if user == args.user and password == args.password:
                self.auth = user
                self.send("235 authenticated")
            else:
                self.send("535 authentication failed")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]) + "\n")
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
