"""The widget: the picture, the buttons, the candidate dropdown and the status line.

Built on first use (``view.widget``, ``view.show()``, or a cell ending in ``view``), so a
view used from a test or a script never imports ipywidgets. The picture is
``svg.render_svg`` of ``state()``, re-rendered by the refresher thread and after every
action, and written into the page only when it changed. A button runs its action off the
kernel's thread, so the kernel stays free while the action waits for its effect.

``WidgetPart`` is one part of ``LiveView`` (see ``liveview``).
"""
from __future__ import annotations

import html
import threading

from harness.learner.view import svg


class WidgetPart:
    """The picture as text and as an ipywidgets widget."""

    def _init_widget(self) -> None:
        self._widget = None
        self._w_html = None
        self._w_pick = None
        self._w_status = None
        self._rendered = None

    # --- the picture -----------------------------------------------------------------

    def render_svg(self, state: dict | None = None) -> str:
        """The SVG picture of ``state`` (default: the current state)."""
        return svg.render_svg(state or self.state())

    def render_html(self, state: dict | None = None) -> str:
        """What the widget shows: the SVG in a <div> (no browser needed)."""
        st = state or self.state()
        return ('<div class="zk-liveview" style="font-family: system-ui, sans-serif">'
                + svg.render_svg(st) + "</div>")

    def _rerender(self):
        if self._w_html is None or self._closed:
            return
        st = self.state()
        page = self.render_html(st)
        if page != self._rendered:
            self._rendered = page
            self._w_html.value = page
        options = [(f"{c['label']}  (seq {c['seq']})", c["label"])
                   for c in st["candidates"] if c["ours"]]
        if self._w_pick is not None and list(self._w_pick.options) != options:
            self._w_pick.options = options

    # --- the widget ----------------------------------------------------------------

    @property
    def widget(self):
        """The ipywidgets VBox (built on first use)."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def show(self):
        """Display the widget in a notebook."""
        from IPython.display import display
        display(self.widget)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle.setdefault("text/html", self.render_html())   # for static renderers
        bundle["text/plain"] = repr(self)
        return bundle

    def _build_widget(self):
        import ipywidgets as w

        self._w_html = w.HTML(value="")
        self._w_status = w.HTML(value="")
        small = w.Layout(width="auto")
        election = self._election_buttons(w, small)
        servers = self._server_buttons(w, small)
        add, resign, expire = election
        self._buttons = {"add": add, "resign": resign, "expire": expire,
                         **{b.description.lower().replace(" ", "_"): b for b in servers}}
        self._rendered = None
        self._rerender()
        return w.VBox([self._w_html, w.HBox([add, resign, self._w_pick, expire]),
                       w.HBox(servers), self._w_status])

    def _election_buttons(self, w, small) -> tuple:
        """Add, Resign and Expire (with the dropdown of the view's own candidates, #k)."""
        add = w.Button(description="Add candidate", icon="plus", layout=small,
                       disabled=self.make_candidate is None)
        resign = w.Button(description="Resign leader", icon="sign-out", layout=small)
        self._w_pick = w.Dropdown(options=[], description="", layout=w.Layout(width="170px"))
        expire = w.Button(description="Expire session", icon="clock-o", layout=small,
                          button_style="warning")
        add.on_click(lambda _: self._in_background("add a candidate", self.add_candidate))
        resign.on_click(lambda _: self._in_background("resign the leader", self.resign_leader))
        expire.on_click(lambda _: self._in_background(
            "expire a session", lambda: self.expire(self._w_pick.value)
            if self._w_pick.value else None))
        return add, resign, expire

    def _server_buttons(self, w, small) -> list:
        """Kill and Restart, one pair per server."""
        buttons = []
        for s in self.ens.servers:
            kill = w.Button(description=f"Kill zoo{s.id}", icon="bolt", button_style="danger",
                            layout=small)
            start = w.Button(description=f"Restart zoo{s.id}", icon="refresh",
                             button_style="success", layout=small)
            kill.on_click(lambda _, i=s.id: self._in_background(f"kill zoo{i}",
                                                                  lambda: self.kill_server(i)))
            start.on_click(lambda _, i=s.id: self._in_background(
                f"restart zoo{i}", lambda: self.restart_server(i)))
            buttons += [kill, start]
        return buttons

    def _in_background(self, what, fn):
        """Button actions run off the kernel's thread; the status line says how it went."""
        def run():
            self._set_status(f"<i>{html.escape(what)}…</i>")
            try:
                fn()
            except Exception as e:
                self._error = f"{what}: {type(e).__name__}: {e}"
                self._set_status(f"<span style='color:#b91c1c'>{html.escape(self._error)}</span>")
            else:
                self._set_status(f"done: {html.escape(what)}")
            self._rerender()
        threading.Thread(target=run, name=f"liveview-{what}", daemon=True).start()

    def _set_status(self, text):
        if self._w_status is not None:
            self._w_status.value = f"<small>{text}</small>"

    def _quiet_widget(self) -> None:
        """On close: keep the last picture on the page (a notebook run top to bottom
        closes its view in the next cell); only the controls go quiet."""
        if self._widget is not None:
            for control in [*self._buttons.values(), self._w_pick]:
                control.disabled = True
            self._set_status("closed: this picture no longer updates")
