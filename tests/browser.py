"""A real browser for the report's test: headless Chromium driven over the DevTools protocol.

:func:`load_page` opens a local HTML file in a fresh headless Chromium (its
own profile, no network beyond what the page asks for) and returns what a
person would see and what went wrong: console errors and exceptions, every
network request that is not the file itself or a ``data:`` URI, each
image's natural width, the text of the page, and a full-page screenshot.
Chromium comes from Debian's ``chromium`` package (``.ci/run`` installs it);
``websocket-client`` speaks the protocol.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium():
    """The browser's path, or None.

    Returns
    -------
    str or None
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class _Session:
    """One DevTools websocket: send commands, collect events."""

    def __init__(self, url):
        import websocket

        self.socket = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id, self.events = 0, []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(event.get("method") == method for event in self.events):
                return
            self.socket.settimeout(max(0.1, deadline - time.time()))
            self.events.append(json.loads(self.socket.recv()))
        raise TimeoutError(f"no {method} within {timeout} s")

    def close(self):
        self.socket.close()


def load_page(path, width=1200):
    """Open ``path`` in headless Chromium; what it shows and what went wrong.

    Parameters
    ----------
    path : str or pathlib.Path
        A local HTML file.
    width : int
        The window width in CSS pixels.

    Returns
    -------
    dict
        "errors" (console errors and exceptions, as text), "requests" (URLs
        other than the file and data: URIs), "image_widths" (each <img>'s
        naturalWidth), "text" (the page's visible text), "scroll_width" (the
        page's width in CSS pixels: wider than ``width`` scrolls sideways),
        "screenshot" (PNG bytes).
    """
    import urllib.request

    profile = tempfile.mkdtemp(prefix="fastcnn-chromium-")
    command = [find_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", "--disable-background-networking", "--disable-sync",
               "--disable-component-update", f"--user-data-dir={profile}", "--remote-debugging-port=0",
               f"--window-size={width},900", "about:blank"]
    browser = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.time() + 60
        while port is None and time.time() < deadline:
            line = browser.stderr.readline()
            found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            port = int(found.group(1)) if found else None
            if not line and browser.poll() is not None:
                raise RuntimeError("Chromium exited before it was ready")
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30).read())
        page = next(t for t in targets if t.get("type") == "page")
        session = _Session(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            session.call(f"{domain}.enable")
        # the page's width exactly (a headless window is never narrower than about 500 pixels); a phone below 600
        session.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                     mobile=width < 600)
        url = "file://" + os.path.abspath(path)
        session.call("Page.navigate", url=url)
        session.wait_for("Page.loadEventFired")
        widths = session.call("Runtime.evaluate", returnByValue=True, awaitPromise=True, expression=(
            "Promise.all(Array.from(document.images).map(i => i.decode().then(() => i.naturalWidth, () => 0)))"
        ))["result"]["value"]
        text = session.call("Runtime.evaluate", returnByValue=True,
                            expression="document.body.innerText")["result"]["value"]
        scroll_width = session.call("Runtime.evaluate", returnByValue=True,
                                    expression="document.documentElement.scrollWidth")["result"]["value"]
        shot = session.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        errors, requests = [], []
        for event in session.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
            elif method == "Network.requestWillBeSent":
                requested = params["request"]["url"]
                if requested != url and not requested.startswith("data:"):
                    requests.append(requested)
        session.close()
        return {"errors": errors, "requests": requests, "image_widths": widths, "text": text,
                "scroll_width": scroll_width, "screenshot": base64.b64decode(shot["data"])}
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)
