"""Tagging the selected loops: the tag editor (G), the tag keys (1 to 9), the Tag submenu of
the Loop menu and the context menu, and how an edit of several loops' tags goes (only the tags
they share change).

A mixin of MainWindow. Tags are written to the store at once, one step of the undo history
per edit (`undo.UserDataChange`, through `write_user_data`); see `core.library.user_tags`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QMenu

from anomalizer_desktop.core.library.user_tags import (
    common_tags,
    edited_tags,
    merged_into,
    parse_tags,
    stored_tags,
)
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import tag_dialog, tag_keys_dialog, tag_manager_dialog
from anomalizer_desktop.ui.actions import literal
from anomalizer_desktop.ui.library_data import UNTAGGED
from anomalizer_desktop.ui.tag_keys import TagKeys, load_tag_keys, save_tag_keys
from anomalizer_desktop.ui.undo import UserDataChange, describe_tags_change

#: how many of the library's tags the Tag menu offers (the most used)
TAG_MENU_ITEMS = 10


class TagsChange(UserDataChange):
    """A tags change that also renames a tag on every loop: the tag's key (1 to 9) goes with
    the new name, and back with an undo. The keys are set before the tags are written, so the
    write gives no free key to the new name first."""

    def __init__(self, window, before, after, text: str, keys_after: TagKeys) -> None:
        super().__init__(window.write_user_data, "tags", before, after, text)
        self._window = window
        self._keys = (window.tag_keys, keys_after)  # (before, after)

    def _use_keys(self, which: int) -> None:
        if self._keys[0] != self._keys[1]:
            self._window._set_tag_keys(self._keys[which])

    def apply(self) -> bool:
        self._use_keys(1)
        if not super().apply():
            self._use_keys(0)
            return False
        return True

    def redo(self) -> None:
        self._use_keys(1)
        super().redo()

    def undo(self) -> None:
        self._use_keys(0)
        super().undo()


class Tagging:
    """Tags for the selected loops (mixed into MainWindow)."""

    def _build_tag_menu(self, action) -> None:
        """Edit tags… (G) and the Tag submenu that holds it; `action` makes a shown-only
        action as the Loop menu's others are made."""
        self.act_tags = action(
            "Edit tags…", self.edit_tags, "G", "Tags of your own for sets of loops (tag:name)"
        )
        self.act_tag_keys = action(
            "Tag keys…", self.edit_tag_keys, None, "Which tag each of the keys 1 to 9 puts on"
        )
        self.tag_menu = QMenu("Tag", self)
        self.tag_menu.aboutToShow.connect(self._fill_tag_menu)
        self.act_manage_tags = action(
            "Manage tags…",
            self.manage_tags,
            None,
            "Rename, merge or delete a tag on every loop; show a tag's loops",
        )
        self.tag_menu.addAction(self.act_tags)
        self.act_tag_menu = self.tag_menu.menuAction()
        #: the tags the keys 1 to 9 put on (ui.tag_keys); settled against the library's tags
        #: when its first snapshot shows
        self.tag_keys = load_tag_keys(self.settings, self.store.path)
        self._tag_keys_settled = False

    def refresh_tag_filter(self) -> None:
        """Fill the Tags filter with the library's tags, most used first, keeping the one
        chosen (with 0 loops when its last loop lost it: the rows on show stay until the
        filters change, as with flags). Hidden while the library has no tags."""
        box = self.filter_tag
        chosen = box.currentData()
        counts = self.model.library.tag_counts()
        if isinstance(chosen, str) and not any(t.casefold() == chosen.casefold() for t in counts):
            counts[chosen] = 0
        box.blockSignals(True)  # the filter stays as it is: only the list is new
        box.clear()
        box.addItem("All tags", None)
        box.addItem("Untagged", UNTAGGED)
        for tag, loops in counts.items():
            box.addItem(f"{tag} ({loops})", tag)
        if chosen is UNTAGGED:
            box.setCurrentIndex(1)
        elif chosen is not None:
            box.setCurrentIndex(
                next(
                    i
                    for i in range(2, box.count())
                    if box.itemData(i).casefold() == chosen.casefold()
                )
            )
        box.blockSignals(False)
        box.setVisible(bool(counts) or chosen is not None)
        carried = [t for t, n in counts.items() if n]
        self.filter_text.completer().set_tags(carried)
        self._settle_tag_keys(carried)
        # no empty column for a producer who does not tag (unless they chose to see it)
        self.table_layout.show_unless_chosen("tags", bool(counts))

    def _settle_tag_keys(self, carried: list[str]) -> None:
        """Give free keys to the library's tags (most used first); when the library has just
        opened, free first the keys of tags no loop carries any more."""
        keys = self.tag_keys
        if not self._tag_keys_settled:
            keys = keys.without_unused(carried)
            self._tag_keys_settled = True
        self._set_tag_keys(keys.filled(carried))

    def _set_tag_keys(self, keys: TagKeys) -> None:
        if keys != self.tag_keys:
            self.tag_keys = keys
            save_tag_keys(self.settings, self.store.path, keys)

    def press_tag_key(self, digit: int) -> None:
        """Keys 1 to 9: put the key's tag on the selected loops, or take it off when they
        all have it."""
        tag = self.tag_keys.tag_of(digit)
        if tag is None:
            self.statusBar().showMessage(
                f"Key {digit} puts no tag on yet: Loop > Tag > Tag keys… gives it one.", 5000
            )
            return
        self.toggle_tag(tag)

    def edit_tag_keys(self) -> None:
        """Loop > Tag > Tag keys…: the producer sets which tag each key puts on (from then on,
        no key is given a tag by itself)."""
        keys = tag_keys_dialog.ask_tag_keys(
            self, self.tag_keys, list(tag_dialog.library_tags(self.store))
        )
        if keys is not None:
            self._set_tag_keys(keys)
            self.statusBar().showMessage("Tag keys set: 1 to 9 in the table.", 5000)

    def edit_tags(self) -> None:
        """Ask for the selected loops' tags (G): it starts from the tags they all share, and
        what it takes off or puts on goes for each of them, their other tags staying."""
        ids = self.selected_ids()
        if not ids:
            return
        current = common_tags(self.model.tags_of(ids))
        known = tag_dialog.library_tags(self.store)
        wanted = tag_dialog.ask_tags(self, len(ids), current, known, keys=self.tag_keys)
        if wanted is not None:
            self.set_tags(ids, wanted, current)

    def set_tags(self, ids: list[int], wanted, current: tuple[str, ...] | None = None) -> None:
        """Give these loops the tags `wanted` in place of `current` (the tags they all had):
        a tag of `current` not wanted comes off each; each wanted one goes on. One loop gets
        exactly `wanted` (so a tag's spelling can change)."""
        wanted = parse_tags(wanted)
        before = dict(zip(ids, self.model.tags_of(ids), strict=True))
        if current is None:
            current = common_tags(before.values())
        keep = {t.casefold() for t in wanted}
        removed = tuple(t for t in current if t.casefold() not in keep)
        had = {t.casefold() for t in current}
        added = tuple(t for t in wanted if t.casefold() not in had)
        if len(ids) == 1:
            after = {ids[0]: stored_tags(wanted)}
        else:
            edited: dict[str | None, str | None] = {}  # loops tagged alike edit alike
            for text in set(before.values()):
                edited[text] = edited_tags(text or None, wanted, removed)
            after = {i: edited[before[i]] for i in ids}
        if all((after[i] or "") == (before[i] or "") for i in ids):
            self.statusBar().showMessage("The tags are as they were.", 3000)
            return
        change = TagsChange(
            self,
            before,
            after,
            describe_tags_change(len(ids), added, removed),
            self._keys_after_edit(before, added, removed),
        )
        if not change.apply():
            return
        self.undo_stack.push(change)
        done = describe_tags_change(len(ids), added, removed, done=True)
        self.statusBar().showMessage(f"{done}. Filter with tag:name; Ctrl+Z undoes it.", 5000)

    def _keys_after_edit(self, before: dict[int, str], added, removed) -> TagKeys:
        """The tag keys after an edit of these loops' tags: one that takes a keyed tag off
        the last loops that carry it and puts one new tag on them is a rename (every loop of
        a tag's set selected, G, the new name typed), and the key follows it."""
        keys = self.tag_keys
        if len(added) != 1 or len(removed) != 1 or keys.digit_of(removed[0]) is None:
            return keys
        carried = int(np.count_nonzero(self.model.library.tag_mask(removed[0])))
        if carried > len(before):  # loops not in the edit keep it
            return keys
        return keys.renamed(removed[0], added[0])

    def library_tag_counts(self) -> dict[str, int]:
        """The library's tags and how many loops carry each, most used first."""
        return self.model.library.tag_counts()

    def manage_tags(self) -> None:
        """Loop > Tag > Manage tags…: rename, merge or delete a tag on every loop."""
        tag_manager_dialog.manage_tags(self, self)

    def rename_tag(self, old: str, new: str | None) -> bool:
        """Rename the tag `old` on every loop of the library that carries it, filters aside
        (a loop that has both keeps one); None takes it off them all. One step of Ctrl+Z; the
        tag's key (1 to 9) and the Tags filter follow the new name. True when saved."""
        lib = self.model.library
        rows = np.flatnonzero(lib.tag_mask(old)).tolist()
        if not rows:
            return False
        before = {int(lib.ids[r]): lib.tags[r] for r in rows}
        add = [new] if new else []
        edited = {t: edited_tags(t or None, add, [old]) for t in set(before.values())}
        after = {i: edited[text] for i, text in before.items()}  # loops tagged alike, alike
        loops = quantity(len(rows), "loop")
        merged = merged_into(lib.tag_counts(), old, new) is not None
        if merged:
            text = f"merge the tag {old} into {new} on {loops}"
            done = f"Merged the tag {old} into {new} on {loops}"
        elif new:
            text = f"rename the tag {old} to {new} on {loops}"
            done = f"Renamed the tag {old} to {new} on {loops}"
        else:
            text = f"take {old} off {loops}"
            done = f"Took {old} off {loops}"
        keys = self.tag_keys.renamed(old, new) if new else self.tag_keys
        shown = self.filter_tag.currentData()
        change = TagsChange(self, before, after, text, keys)
        if not change.apply():
            return False
        self.undo_stack.push(change)
        if new and isinstance(shown, str) and shown.casefold() == old.casefold():
            self.show_tag(new)  # the set on show is the same loops under the new name
            self.refresh_tag_filter()  # without the old name's empty item
        self.statusBar().showMessage(f"{done}. Ctrl+Z undoes it.", 5000)
        return True

    def show_tag(self, tag: str) -> None:
        """Show the loops tagged `tag` (the Tags filter set to it)."""
        box = self.filter_tag
        for index in range(2, box.count()):
            if box.itemData(index).casefold() == tag.casefold():
                box.setCurrentIndex(index)
                return

    def toggle_tag(self, tag: str) -> None:
        """Put `tag` on every selected loop, or take it off when they all have it (the Tag
        menu's items)."""
        ids = self.selected_ids()
        if not ids:
            return
        current = common_tags(self.model.tags_of(ids))
        has = any(t.casefold() == tag.casefold() for t in current)
        if has:
            self.set_tags(ids, [t for t in current if t.casefold() != tag.casefold()], current)
        else:
            self.set_tags(ids, [*current, tag], current)

    def _fill_tag_menu(self) -> None:
        """The Tag submenu, made as it opens: the library's most used tags, each checked when
        every selected loop has it (a click puts it on them all, or takes it off), then
        Edit tags…"""
        menu = self.tag_menu
        menu.clear()
        ids = self.selected_ids()
        shared = {t.casefold() for t in common_tags(self.model.tags_of(ids))}
        for tag in self._tag_menu_tags():
            digit = self.tag_keys.digit_of(tag)
            # "\t" shows the key at the item's right edge, as a shortcut's (handle_key has it)
            act = menu.addAction(literal(tag) + (f"\t{digit}" if digit else ""))
            act.setCheckable(True)
            act.setChecked(tag.casefold() in shared)
            act.setEnabled(bool(ids))
            act.triggered.connect(lambda _=False, tag=tag: self.toggle_tag(tag))
        if menu.actions():
            menu.addSeparator()
        menu.addAction(self.act_tags)
        menu.addAction(self.act_tag_keys)
        menu.addAction(self.act_manage_tags)

    def _tag_menu_tags(self) -> list[str]:
        """The tags the Tag menu offers: those with a key, in the keys' order, then the most
        used others, TAG_MENU_ITEMS in all (more where more have keys)."""
        keyed = [tag for _, tag in sorted(self.tag_keys.keys.items())]
        taken = {t.casefold() for t in keyed}
        others = [t for t in tag_dialog.library_tags(self.store) if t.casefold() not in taken]
        return keyed + others[: max(0, TAG_MENU_ITEMS - len(keyed))]
