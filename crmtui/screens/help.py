"""`?`: every key of the screen underneath (its widgets' keys, its own, the app's), and the command palette
provider that offers the same actions by name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from rich import box
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


@dataclass(frozen=True)
class KeyHelp:
    where: str
    keys: str
    description: str
    action: str
    node: object


def _keys(app, binding: Binding) -> str:
    return ", ".join(app.get_key_display(Binding(key, binding.action)) for key in binding.key.split(","))


def screen_keys(screen: Screen) -> list[KeyHelp]:
    """The described bindings of SCREEN's crmtui widgets (even unfocused: the list's j/k while typing a search),
    of the screen itself and of the app, first come first kept per action."""
    app = screen.app
    nodes = [w for w in screen.query("*") if type(w).__module__.startswith("crmtui") and "BINDINGS" in vars(type(w))]
    found: dict[tuple[str, str], KeyHelp] = {}
    for where, node in [("list", n) for n in nodes] + [("screen", screen), ("everywhere", app)]:
        for cls in type(node).__mro__:
            if cls.__module__.startswith("textual"):
                break
            for binding in vars(cls).get("BINDINGS", ()):
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                if (where, binding.action) in found or binding.system:
                    continue
                found[(where, binding.action)] = KeyHelp(
                    where, _keys(app, binding), binding.description, binding.action, node
                )
    return list(found.values())


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, keys: list[KeyHelp], title: str) -> None:
        super().__init__()
        self.keys = keys
        self.title_text = title

    def compose(self) -> ComposeResult:
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("Does")
        table.add_column("Where", style="dim")
        for item in self.keys:
            table.add_row(item.keys, item.description, item.where)
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Label(f"Keys · {self.title_text}", classes="dialog-title")
            yield Static(table)
            yield Label(
                "Mouse: click a row to select it, a tab to open it; ctrl+p: the command palette.", classes="dim"
            )


class ActionsProvider(Provider):
    """The command palette: every described action of the screen it was opened on, and the screens to go to."""

    def _items(self) -> list[tuple[str, str, object]]:
        screen = self.screen
        items = []
        for item in screen_keys(screen):
            items.append((item.description, f"{item.keys} · {item.where}", partial(self._run, item)))
        return items

    async def _run(self, item: KeyHelp) -> None:
        await self.app.run_action(item.action, item.node)

    async def discover(self) -> Hits:
        for text, help_text, command in self._items():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, command in self._items():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
