"""Keys 1 to 9 for tags: a key puts its tag on the selected loops, or takes it off when they
all have it, so a producer tags while auditioning as fast as they flag (G, a click and
Return was three steps for one tag).

Each library has its own keys, kept in the settings (per library, as the loop it was on).
Until the producer sets them (Loop > Tag > Tag keys…), the library's tags take the free keys
in the order they come, the most used first; a key then stays with its tag, so what a key
does never changes under a producer's fingers. When the library opens again, a key whose tag
no loop carries any more is free again. Once the producer has set the keys, only they change
them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from anomalizer_desktop.ui.settings import Settings, keep_library_line, library_line

#: the keys, as the digits on the keyboard's top row
DIGITS = tuple(range(1, 10))


@dataclass
class TagKeys:
    """digit -> tag; `chosen`: the producer set them (nothing is given a key by itself)."""

    keys: dict[int, str] = field(default_factory=dict)
    chosen: bool = False

    def tag_of(self, digit: int) -> str | None:
        return self.keys.get(digit)

    def digit_of(self, tag: str) -> int | None:
        folded = tag.casefold()
        return next((d for d, t in self.keys.items() if t.casefold() == folded), None)

    def filled(self, tags: Iterable[str]) -> TagKeys:
        """With each free key given the next of `tags` (most used first) that has none; as
        they are when the producer chose them."""
        if self.chosen:
            return self
        keys = dict(self.keys)
        taken = {t.casefold() for t in keys.values()}
        free = [d for d in DIGITS if d not in keys]
        for tag in tags:
            if not free:
                break
            if tag.casefold() not in taken:
                keys[free.pop(0)] = tag
                taken.add(tag.casefold())
        return TagKeys(keys, self.chosen)

    def without_unused(self, tags: Iterable[str]) -> TagKeys:
        """Without the keys of tags no loop carries (when a library opens, never while the
        producer tags: a key taken off its last loop must still put it back); as they are
        when the producer chose them."""
        if self.chosen:
            return self
        carried = {t.casefold() for t in tags}
        return TagKeys({d: t for d, t in self.keys.items() if t.casefold() in carried})

    def renamed(self, old: str, new: str) -> TagKeys:
        """With the key of `old` going to `new` (a tag renamed on every loop), or freed when
        `new` has a key of its own (two tags merged into one); as they are when `old` has no
        key. A rename is the producer's own change, so it goes for keys they chose too."""
        digit = self.digit_of(old)
        if digit is None:
            return self
        keys = {d: t for d, t in self.keys.items() if d != digit}
        if self.digit_of(new) in (None, digit):
            keys[digit] = new
        return TagKeys(keys, self.chosen)

    def to_text(self) -> str:
        return json.dumps(
            {"chosen": self.chosen, "keys": {str(d): t for d, t in sorted(self.keys.items())}},
            ensure_ascii=True,  # one line whatever the tags hold
        )

    @classmethod
    def from_text(cls, text: str) -> TagKeys:
        """From `to_text`; no keys for anything else (a settings file edited by hand)."""
        try:
            data = json.loads(text)
            keys = {
                int(d): str(t)
                for d, t in dict(data.get("keys", {})).items()
                if int(d) in DIGITS and str(t).strip()
            }
            return cls(keys, bool(data.get("chosen", False)))
        except (ValueError, TypeError, AttributeError):
            return cls()


def load_tag_keys(settings: Settings, library: str | os.PathLike[str]) -> TagKeys:
    """The library's tag keys as last saved (none: a library not seen before)."""
    text = library_line(settings, "tag_keys", library)
    return TagKeys() if text is None else TagKeys.from_text(text)


def save_tag_keys(settings: Settings, library: str | os.PathLike[str], keys: TagKeys) -> None:
    """Keep the library's tag keys (a library whose name holds a tab or a line break keeps
    none, as it keeps no last loop)."""
    keep_library_line(settings, "tag_keys", library, keys.to_text())
