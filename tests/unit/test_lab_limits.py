"""A lab's limits are its own: what lab 1 pressed on does not decide lab 4's excuses."""
from harness.world import grading_run


def test_an_earlier_labs_flood_does_not_count_against_the_next_lab(tmp_path, monkeypatch):
    monkeypatch.setattr(grading_run, "grader_secret", lambda: "secret")
    g = grading_run.Grading(None, tmp_path)
    g.begin_lab("lab1")
    assert not g.pressed()
    g.watch_limits.too_long(1 << 20)            # lab 1 sends a frame past the bound
    assert g.pressed()
    g.begin_lab("lab4")
    assert not g.pressed()                      # lab 4's own code pressed on nothing
    g.quota_reached.append("test_x: 2000 nodes, 0 bytes")
    assert g.pressed()                          # lab 4's own quota: its own
    report = g.load_report()                    # the results keep the whole submission's
    assert report["refusals"] == 1 and len(report["quota_reached"]) == 1
