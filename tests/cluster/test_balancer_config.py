"""The HAProxy configuration scripts/cluster.py writes is one HAProxy accepts, with what the cluster relies on."""
from __future__ import annotations

import subprocess

import pytest

from scripts.cluster import haproxy_binary, haproxy_config


def test_haproxy_accepts_the_configuration(tmp_path):
    binary = haproxy_binary()
    if not binary:
        pytest.skip("HAProxy is not installed (Debian package `haproxy`; scripts/bootstrap.sh installs it)")
    text = haproxy_config([("127.0.0.1", 5105), ("127.0.0.1", 5106), ("10.0.0.7", 5105)],
                          [("127.0.0.1", 5155), ("10.0.0.7", 5155)], 5005, 5055, 8404)
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    check = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # a failed connection is retried elsewhere, never a request that reached a server
    assert "retry-on conn-failure" in text and "option redispatch" in text
    # the web page server's X-Forwarded-For is kept (the citizen's address for the lookup limits)
    assert "option forwardfor if-none" in text
    assert text.count("server s") == 3 + 3 + 2 and "cookie s3" in text   # socket.io sticky per instance
