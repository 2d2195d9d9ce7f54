"""The scatter map repaints what it takes away (pyqtgraph alone left stale rings on screen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QApplication


def _repainted_after(scene, change) -> list:
    """The scene regions Qt repaints because of `change()`."""
    QApplication.processEvents()
    regions = []
    scene.changed.connect(regions.extend)
    change()
    QApplication.processEvents()
    scene.changed.disconnect(regions.extend)
    return regions


@pytest.fixture
def view(qtbot):
    """A map on screen, 500 x 400."""
    from anomalizer_desktop.ui.widgets.scatter_map import ScatterMap

    shown = ScatterMap()
    qtbot.addWidget(shown)
    shown.resize(500, 400)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def test_a_ring_taken_away_is_repainted_where_it_was(view):
    xy = np.array([[0, 0], [10, 10], [0.5, 9.5]], dtype=np.float32)
    view.set_points(np.array([1, 2, 3]), xy, [10.0, 50.0, 90.0], [None] * 3, {}, "")
    view.viewbox.setRange(xRange=(-1, 11), yRange=(-1, 11), padding=0)
    view.viewbox.disableAutoRange()

    def ring_at(sample_id):
        """The ring of this loop (13 px across) in scene coordinates."""
        x, y = xy[sample_id - 1]
        centre = view.viewbox.mapViewToScene(QPointF(float(x), float(y)))
        return QRectF(centre.x() - 6.5, centre.y() - 6.5, 13, 13)

    view.highlight([2])
    # the selection moves far away, then it is emptied: each time the old ring's area repaints
    for old, change in ((2, lambda: view.highlight([1])), (1, lambda: view.highlight([]))):
        regions = _repainted_after(view.view.scene(), change)
        assert any(r.contains(ring_at(old)) for r in regions), regions
    assert len(view.rings.getData()[0]) == 0


def test_new_points_fill_the_view_whatever_was_ringed_before(view):
    far = np.array([[-100, 40], [0, 0], [5, 5]], dtype=np.float32)
    view.set_points(np.array([1, 2, 3]), far, [10.0, 50.0, 90.0], [None] * 3, {}, "")
    view.highlight([1])  # a ring far out, at (-100, 40)
    near = np.array([[0, 0], [1, 1], [2, 0.5]], dtype=np.float32)  # another embedder's map
    view.set_points(np.array([1, 2, 3]), near, [10.0, 50.0, 90.0], [None] * 3, {}, "")
    (x0, x1), (y0, y1) = view.viewbox.viewRange()
    assert x0 > -5 and x1 < 5 and y0 > -5 and y1 < 5  # the old ring does not stretch it


def test_points_the_filter_hides_are_faint_and_cannot_be_picked(view):
    from anomalizer_desktop.ui.widgets.map_style import HIDDEN

    xy = np.array([[0, 0], [1, 1], [2, 2], [3, 3]], dtype=np.float32)
    view.set_points(np.array([7, 8, 9, 10]), xy, [10.0, 95.0, 50.0, 99.0], [None] * 4, {}, "Axes")
    picked = []
    view.selection_made.connect(picked.append)
    view.show_only(np.array([True, False, True, False]))
    faint = view._layers[(HIDDEN, "o")]
    assert sorted(int(i) for i in faint.data["data"]) == [8, 10]
    assert view.point_count() == 4  # all still drawn: where a hidden loop sits says something
    assert view.caption.text().startswith("2 of 4 loops on the map match the filter")
    view._select_in_rect(QRectF(-1, -1, 10, 10))  # a box around every point
    assert picked == [[7, 9]]
    assert not faint.opts["hoverable"]
    view.show_only(None)
    assert len(faint.data) == 0 and view.caption.text() == "Axes"
    with pytest.raises(ValueError):
        view.show_only(np.array([True]))


def test_an_axis_without_spread_gets_a_unit_range_not_a_microscope(view):
    view.set_points(
        np.array([1, 2]), np.array([[0, 0], [1, 0]], np.float32), [np.nan] * 2, [None] * 2, {}, ""
    )
    (x0, x1), (y0, y1) = view.viewbox.viewRange()
    assert y0 <= -1 + 1e-6 and y1 >= 1 - 1e-6 and y1 - y0 < 3  # not +-0.0005 around 0
    assert x0 <= 0 and x1 >= 1


def _layers_holding(view) -> dict:
    """{(colour bin, symbol): sorted sample ids} of every layer with points."""
    return {
        key: sorted(int(i) for i in layer.data["data"])
        for key, layer in view._layers.items()
        if len(layer.data)
    }


def layers_set(monkeypatch) -> list:
    """The map's point layers, each time one is set again from now on."""
    from anomalizer_desktop.ui.widgets import scatter_map

    set_again = []
    real_set = scatter_map._set_points

    def counted(item, **data):
        set_again.append(item)
        real_set(item, **data)

    monkeypatch.setattr(scatter_map, "_set_points", counted)
    return set_again


def test_a_flag_sets_again_only_the_layers_its_point_leaves_and_joins(view, monkeypatch):
    """Setting every layer for one flag took 196 ms at 100k points; the map must still show
    each point once, where the style says, after flags, new scores, a filter and new points."""
    from anomalizer_desktop.ui.widgets import map_style

    rng = np.random.default_rng(0)
    ids = np.arange(1, 201)
    xy = rng.normal(size=(200, 2)).astype(np.float32)
    percentile = np.linspace(0, 99, 200)
    flags = [None] * 200
    view.set_points(ids, xy, percentile, flags, {}, "")
    set_again = layers_set(monkeypatch)
    flags[150] = "unusual"
    view.update_style(flags=flags)
    assert len(set_again) == 2  # the round points of its colour, the stars of its colour
    bin_150 = map_style.colour_bin(percentile[150])
    assert _layers_holding(view)[(bin_150, "star")] == [151]
    assert 151 not in _layers_holding(view)[(bin_150, "o")]
    assert view.point_count() == 200
    set_again.clear()
    view.update_style(flags=flags)  # nothing changed: nothing set
    assert set_again == []
    flags[150] = None
    view.update_style(percentile=percentile[::-1].copy(), flags=flags)
    view.show_only(np.arange(200) < 100)
    expected: dict = {}
    for row, sample in enumerate(ids):
        hidden = row >= 100
        key = (
            (map_style.HIDDEN, "o")
            if hidden
            else (map_style.colour_bin(percentile[::-1][row]), "o")
        )
        expected.setdefault(key, []).append(int(sample))
    assert _layers_holding(view) == expected
    view.set_points(ids[:50], xy[:50] + 5, percentile[:50], flags[:50], {}, "")
    assert view.point_count() == 50  # new positions: every layer set again, the rest emptied
    held = _layers_holding(view)
    assert sorted(i for ids_ in held.values() for i in ids_) == list(range(1, 51))
    first = next(iter(held))
    points = view._layers[first].data
    assert np.allclose(points["x"].min(), (xy[:50] + 5)[np.isin(ids[:50], held[first]), 0].min())


def test_the_same_points_again_keep_the_view_and_set_only_restyled_layers(view, monkeypatch):
    """A reload after training or a change from outside: 100k points set again took 181 ms,
    and the view jumped back from where the user had zoomed."""

    rng = np.random.default_rng(1)
    ids = np.arange(1, 101)
    xy = rng.normal(size=(100, 2)).astype(np.float32)
    percentile = np.linspace(0, 99, 100)
    view.set_points(ids, xy, percentile, [None] * 100, {}, "")
    view.viewbox.setRange(xRange=(0, 0.5), yRange=(0, 0.5), padding=0)
    zoomed = view.viewbox.viewRange()
    set_again = layers_set(monkeypatch)
    view.set_points(ids.copy(), xy.copy(), percentile, [None] * 100, {}, "")
    assert set_again == [] and view.viewbox.viewRange() == zoomed
    restyled = percentile.copy()
    restyled[0] = 99.0  # one loop from the darkest colour to the brightest
    view.set_points(ids, xy, restyled, [None] * 100, {}, "")
    assert len(set_again) == 2 and view.point_count() == 100
    view.set_points(ids, xy + 1, restyled, [None] * 100, {}, "")  # moved: every layer, a new view
    assert len(set_again) > 2 + 10 and view.viewbox.viewRange() != zoomed


def test_many_new_points_fill_in_a_batch_of_layers_per_turn(qtbot, view, monkeypatch):
    """A map of many new points (a reload at 100,000 loops whose points moved) is set a few
    layers at a time between events, the old points gone at once; the view spans every point
    from the start, and a redraw meanwhile (a flag) is not lost."""
    from anomalizer_desktop.ui.widgets import scatter_map

    monkeypatch.setattr(scatter_map, "PROGRESSIVE_POINTS", 50)
    monkeypatch.setattr(scatter_map, "BATCH_POINTS", 20)
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(200, 2)).astype(np.float32)
    xy[0] = (40.0, -30.0)  # far out: the view must reach it before its layer is set
    ids = np.arange(1, 201)
    percentile = np.linspace(0, 100, 200)
    view.set_points(ids, xy, percentile, [None] * 200, {}, "")
    assert view.filling_in() and view.point_count() == 0  # the first batch after events
    (x0, x1), (y0, y1) = view.viewbox.viewRange()
    assert x0 <= xy[:, 0].min() and x1 >= 40.0 and y0 <= -30.0 and y1 >= xy[:, 1].max()
    flags = [None] * 200
    flags[5] = "unusual"
    view.update_style(flags=flags)  # while filling in
    qtbot.waitUntil(lambda: not view.filling_in(), timeout=10_000)
    assert view.point_count() == 200 and view.point_symbols() == {"o", "star"}
    moved = xy + 1  # the same loops, moved: cleared, then filled in again
    view.set_points(ids, moved, percentile, flags, {}, "")
    assert view.point_count() == 0
    QApplication.processEvents()  # one batch per turn
    assert 0 < view.point_count() < 200
    qtbot.waitUntil(lambda: not view.filling_in(), timeout=10_000)
    shown = np.concatenate([layer.getData()[0] for layer in view._layers.values()])
    assert np.allclose(np.sort(shown), np.sort(moved[:, 0]))


def test_folder_names_go_on_the_map_over_the_points_and_are_replaced(view):
    from anomalizer_desktop.core.analysis.map_labels import MapLabel

    xy = np.array([[0, 0], [1, 1], [10, 10], [11, 11]], np.float32)
    view.set_points(np.arange(4), xy, np.full(4, 50.0), [None] * 4, {}, "")
    view.set_labels(
        [MapLabel("Kicks", 0.5, 0.5, 2, "/s/Kicks"), MapLabel("Pads", 10.5, 10.5, 2, "/s/Pads")]
    )
    assert view.label_texts() == ["Kicks", "Pads"]
    kicks = view._labels[0]
    assert (kicks.pos().x(), kicks.pos().y()) == (0.5, 0.5) and kicks.zValue() > 0
    assert "/s/Kicks" in kicks.toolTip() and "2 of its loops gather here" in kicks.toolTip()
    low, high = view.viewbox.viewRange()[0]
    view.set_labels([MapLabel("Far", 1000.0, 1000.0, 5, "/s/Far")])  # never stretches the view
    assert view.label_texts() == ["Far"] and view.viewbox.viewRange()[0] == [low, high]
    clicked = []
    view.label_clicked.connect(clicked.append)

    class Click:
        accepted = False

        def button(self):
            return Qt.MouseButton.LeftButton

        def accept(self):
            self.accepted = True

    click = Click()
    view._labels[0].mouseClickEvent(click)  # a click on a name chooses its folder
    assert clicked == ["/s/Far"] and click.accepted
    view.set_labels([])
    assert view.label_texts() == [] and not [
        item for item in view.plot.items if item.__class__.__name__ == "TextItem"
    ]


def test_hover_plays_announces_the_point_the_mouse_rests_on_once(qtbot, view):
    xy = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], np.float32)
    view.set_points(np.array([5, 6, 7, 8]), xy, np.full(4, 50.0), [None] * 4, {}, "")
    qtbot.wait(50)
    assert view.point_near(QPointF(10, 0)) == 6
    assert view.point_near(QPointF(10.05, 0.05)) == 6  # a pixel or so off: still that one
    assert view.point_near(QPointF(5, 5)) is None  # between points: none within reach
    view.show_only(np.array([True, False, True, True]))
    assert view.point_near(QPointF(10, 0)) is None  # a point the filter hides: not played
    view.show_only(None)
    heard = []
    view.hovered.connect(heard.append)
    scene = view.viewbox.mapViewToScene
    view._mouse_moved(scene(QPointF(0, 10)))  # "Hover plays" off: nothing
    qtbot.wait(150)
    assert heard == []
    view.hover_box.setChecked(True)
    view._mouse_moved(scene(QPointF(0, 10)))
    qtbot.waitUntil(lambda: heard == [7], timeout=10_000)
    view._mouse_moved(scene(QPointF(0.02, 10.02)))  # still on it: not played again
    qtbot.wait(150)
    view._mouse_moved(scene(QPointF(10, 10)))
    qtbot.waitUntil(lambda: heard == [7, 8], timeout=10_000)


def test_the_right_click_menu_speaks_the_producer_s_words(qtbot, view, tmp_path):
    xy = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], np.float32)
    view.set_points(np.arange(4), xy, np.full(4, 50.0), [None] * 4, {}, "")
    menu = view.context_menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "Show all loops",
        "Zoom to the loops the filter shows",
        "Sound map",
        "Main directions",
        "Draw the sound map again",
        "Hover plays",
        "Save the map as an image…",
    ]
    actions = {a.text(): a for a in menu.actions()}
    assert actions["Sound map"].isChecked() and not actions["Main directions"].isChecked()
    chosen = []
    view.kind_chosen.connect(chosen.append)
    actions["Main directions"].trigger()
    assert chosen == ["pca"]
    actions["Hover plays"].trigger()
    assert view.hover_box.isChecked()
    asked = []
    view.redraw_requested.connect(lambda: asked.append(True))
    actions["Draw the sound map again"].trigger()
    assert asked == [True]
    view.viewbox.setRange(xRange=(100, 200), yRange=(100, 200))  # zoomed away
    actions["Show all loops"].trigger()
    (x_low, x_high), (y_low, y_high) = view.viewbox.viewRange()
    assert x_low <= 0 and x_high >= 10 and y_low <= 0 and y_high >= 10
    assert not actions["Zoom to the loops the filter shows"].isEnabled()  # no filter
    view.show_only(np.array([False, False, False, True]))  # a filter shows one loop
    zoom = next(a for a in view.context_menu().actions() if a.text().startswith("Zoom"))
    assert zoom.isEnabled()
    zoom.trigger()
    (x_low, x_high), (y_low, y_high) = view.viewbox.viewRange()
    assert 8 < x_low < 10 < x_high < 12 and 8 < y_low < 10 < y_high < 12  # around (10, 10)
    written = view.save_image(str(tmp_path / "map.png"))
    assert written and (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_folder_name_at_the_view_s_edge_stays_whole_within_it(view, qtbot):
    """In a narrow map "snare_hits" read "are_hits": centred on its island at the left edge."""
    from anomalizer_desktop.core.analysis.map_labels import MapLabel

    xy = np.array([[0, 0], [0.2, 0.1], [10, 10], [10, 9.8], [5, 5]], np.float32)
    view.set_points(np.arange(5), xy, np.full(5, 50.0), [None] * 5, {}, "")
    view.viewbox.setRange(xRange=(0, 10), yRange=(-1, 11), padding=0)
    left, right, middle = "a_long_folder_name_left", "a_long_folder_name_right", "middle"
    view.set_labels(
        [
            MapLabel(left, 0.1, 0.05, 2, "/s/left"),
            MapLabel(right, 10.0, 9.9, 2, "/s/right"),
            MapLabel(middle, 5.0, 5.0, 1, "/s/middle"),
        ]
    )
    box = view.viewbox.sceneBoundingRect()

    def within() -> bool:
        spans = [label.sceneBoundingRect() for label in view._labels]
        return all(box.left() - 0.5 <= s.left() and s.right() <= box.right() + 0.5 for s in spans)

    qtbot.waitUntil(within)
    assert view._labels[2].anchor.x() == 0.5  # room either side: centred on its island
    view.viewbox.setRange(xRange=(4, 14), yRange=(-1, 11), padding=0)  # panned: the left one
    qtbot.waitUntil(lambda: view._labels[0].anchor.x() == 0.0)  # goes off with its island
    assert view._labels[0].sceneBoundingRect().right() < box.left() + 0.5 * box.width()


def test_a_folder_name_wider_than_the_view_starts_at_its_left_edge(view, qtbot):
    from anomalizer_desktop.core.analysis.map_labels import MapLabel

    xy = np.array([[0, 0], [10, 10]], np.float32)
    view.set_points(np.arange(2), xy, np.full(2, 50.0), [None] * 2, {}, "")
    view.viewbox.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    view.set_labels([MapLabel("a very long folder name " * 12, 7.0, 5.0, 2, "/s/long")])
    box = view.viewbox.sceneBoundingRect()
    label = view._labels[0]
    assert label.sceneBoundingRect().width() > box.width()
    qtbot.waitUntil(lambda: abs(label.sceneBoundingRect().left() - box.left()) < 0.5)


def test_folder_names_on_islands_close_together_do_not_cover_each_other(view, qtbot):
    """On the shared library's map "outlier" lay over "drum_loops"."""
    from anomalizer_desktop.core.analysis.map_labels import MapLabel

    xy = np.array([[0, 0], [10, 10]], np.float32)
    view.set_points(np.arange(2), xy, np.full(2, 50.0), [None] * 2, {}, "")
    view.viewbox.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    view.set_labels(
        [
            MapLabel("drum_loops", 5.0, 5.0, 9, "/s/drum_loops"),
            MapLabel("outlier", 5.3, 5.05, 4, "/s/outlier"),
            MapLabel("third", 5.1, 4.95, 2, "/s/third"),
            MapLabel("far", 1.0, 9.0, 2, "/s/far"),
            MapLabel("fourth", 5.2, 5.0, 2, "/s/fourth"),
            MapLabel("fifth", 4.9, 5.0, 2, "/s/fifth"),
        ]
    )

    def apart() -> bool:
        boxes = [label.sceneBoundingRect() for label in view._labels]
        return not any(boxes[i].intersects(boxes[j]) for i in range(len(boxes)) for j in range(i))

    qtbot.waitUntil(apart)
    first, second, third, far, fourth, fifth = (label.anchor.y() for label in view._labels)
    assert first == 0.5 and far == 0.5  # where there is room, centred on the island
    assert {second, third} == {-0.6, 1.6}  # one just below, one just above
    assert {fourth, fifth} == {-1.7, 2.7}  # then a line further below and above


def test_a_narrow_map_gives_its_colour_bar_s_room_to_the_loops(view, qtbot):
    """At half a screen the colour bar took 80 of the map's 195 px."""
    from anomalizer_desktop.ui.widgets.scatter_map import CAPTION_MIN_WIDTH, COLORBAR_MIN_WIDTH

    assert view.colorbar_shown() and view.caption.isVisible()
    wide_plot = view.viewbox.sceneBoundingRect().width()
    view.resize(COLORBAR_MIN_WIDTH - 40, 400)
    qtbot.waitUntil(lambda: not view.colorbar_shown())
    assert not view.caption.isVisible()  # (below CAPTION_MIN_WIDTH too)
    narrowed_by = 500 - view.width()
    # the plot lost less than the map did: the bar's room went to it
    qtbot.waitUntil(lambda: view.viewbox.sceneBoundingRect().width() > wide_plot - narrowed_by + 40)
    view.resize(CAPTION_MIN_WIDTH + 20, 400)  # wide again: the bar is back, once
    qtbot.waitUntil(view.colorbar_shown)
    assert view.view.getItem(0, 1) is view.colorbar


def test_a_right_click_on_the_colour_bar_offers_no_other_colours(view, qtbot):
    """pyqtgraph's colour-map menu ("None", "cet (local)"...) would have recoloured the map
    away from the table's Unusual % colours."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    view.show()
    qtbot.waitExposed(view)
    bar = view.colorbar.sceneBoundingRect().center()
    at = view.view.mapFromScene(bar)
    qtbot.mouseClick(view.view.viewport(), Qt.MouseButton.RightButton, pos=at)
    qtbot.wait(100)
    assert QApplication.activePopupWidget() is None
