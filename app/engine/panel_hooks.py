"""Diagram helpers that need the app's panels: the app plugs in the implementation.

The engine has no database; `configure` is called by the app factory with functions that
use it, so a diagram can write `panel_meeting_date = list_on_panel("marp")`.
"""
from __future__ import annotations

from collections.abc import Callable

_list: Callable[..., str] | None = None
_minuted: Callable[[str], int] | None = None
_begin: Callable[[str, dict], str] | None = None
_letter: Callable[..., str] | None = None
_decisions: Callable[..., list] | None = None


def configure(list_on_panel: Callable[..., str], minutes_distributed: Callable[[str], int],
              begin_pathway: Callable[[str, dict], str], make_letter: Callable[..., str],
              panel_decisions: Callable[..., list] | None = None) -> None:
    global _list, _minuted, _begin, _letter, _decisions
    _list, _minuted, _begin, _letter = (list_on_panel, minutes_distributed, begin_pathway,
                                        make_letter)
    _decisions = panel_decisions


def panel_decisions(panel: str, fields: list[str] | tuple[str, ...] = ()) -> list[dict]:
    """The decisions a panel has recorded for this case's child (same child reference), the
    newest first: each {"outcome", "conditions", "decided_on" (ISO date), "case"} plus the
    deciding case's own answers named in `fields` (e.g. MARP's "request_kind"). A pathway
    that may agree something only after another panel has (Placement Forum after MARP for a
    joint-funded placement) asks here rather than trusting a typed reference."""
    if _decisions is None:
        raise RuntimeError("panels are not available to this engine")
    return _decisions(str(panel), [str(f) for f in fields])


def make_letter(template: str, signed_by: str, values: dict | None = None) -> str:
    """A letter from `letters/<template>.txt`, as a PDF kept with the case; its id."""
    if _letter is None:
        raise RuntimeError("letters cannot be made by this engine")
    return _letter(str(template), str(signed_by), dict(values or {}))


def begin_pathway(process_model: str, data: dict | None = None) -> str:
    """Begin another pathway for the same child (e.g. Part 3 tracking of a place Part 1
    agreed); returns the new case's id."""
    if _begin is None:
        raise RuntimeError("pathways cannot be begun from this engine")
    return _begin(str(process_model), dict(data or {}))


def minutes_distributed(meeting_id: str) -> int:
    """Mark the meeting minuted and ask each case's social worker to put the note on the
    child's record; returns how many were asked."""
    if _minuted is None:
        raise RuntimeError("panels are not available to this engine")
    return _minuted(str(meeting_id))


def list_on_panel(panel: str, retrospective: bool = False, kind: str = "request",
                  focus: str | None = None, not_before: str | None = None,
                  field: str | None = None, slot_field: str | None = None,
                  after: str | None = None) -> str:
    """List this case on the panel's next meeting still open to it; its date (ISO).

    `retrospective`: an emergency decision, heard at the next meeting whatever its cut-off.
    `focus`: only meetings with that business (PCT: "pre_proceedings", "court_tracking").
    `not_before`: the first meeting on or after a return date the forum set.
    `field`: the variable the date is kept in, so that if the meeting is moved or cancelled
    the case's variable (and any timer waiting on it) follows.
    `slot_field`: the variable a later step fills with the slot's start time ("HH:MM"), which
    the agenda then shows instead of working one out.
    `after`: a standing item (weekly tracking) goes on the first meeting after the one on this
    date, whatever its cut-off: it follows on from that meeting, so however late the
    meeting's business is done, no week is skipped.
    """
    if _list is None:
        raise RuntimeError("panels are not available to this engine")
    return _list(panel, retrospective=retrospective, kind=kind, focus=focus,
                 not_before=not_before, field=field, slot_field=slot_field, after=after)


def latest_decision(panel: str) -> str | None:
    """The outcome of the latest decision `panel` recorded for this case's child (by child
    reference, on any case), e.g. "approved"; None if that panel has decided nothing for
    them. CTMP: a joint-funded high-cost placement waits for MARP's decision."""
    found = panel_decisions(panel)  # one way to ask, whichever helper a diagram uses
    return found[0]["outcome"] if found else None


DIAGRAM_HELPERS = {"list_on_panel": list_on_panel, "minutes_distributed": minutes_distributed,
                   "begin_pathway": begin_pathway, "make_letter": make_letter,
                   "panel_decisions": panel_decisions, "latest_decision": latest_decision}
