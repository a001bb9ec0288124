"""Audit trail: who signed in, loaded, rebuilt, wrote, saved, shared, deleted and downloaded what. Administrators only.

The rule is enforced here, on the page itself, not only by the router: anyone else is refused in plain words.
"""

import streamlit as st

from dashboard.present.audit import VIEW_COLUMNS, day_window, trail_view
from dashboard.shell import settings
from dashboard.shell.access import allowed, person
from dashboard.shell.audit import on_download
from pipelines import audit
from pipelines.audit import ACTIONS

st.title("Audit trail")
if not allowed(person(), "see_audit"):
    st.stop()

cfg = settings()
st.markdown(
    "Every sign-in, file loaded or refused, warehouse rebuild, review note, saved, shared or deleted scenario, "
    "refused action and download, with who did it. The trail is append-only: nobody, administrators included, "
    "can change or delete a row through the dashboard or the database."
)
left, middle, right = st.columns(3)
who = left.multiselect("Who", audit.actors(cfg), placeholder="Everyone", key="audit_actors")
what = middle.multiselect(
    "Action", list(ACTIONS), format_func=ACTIONS.get, placeholder="Every action", key="audit_actions"
)
days = right.date_input("Dates (UK)", value=(), format="DD/MM/YYYY", key="audit_dates")
first, last = (tuple(days) + (None, None))[:2] if isinstance(days, tuple | list) else (days, days)
start, end = day_window(first, last or first)

view = trail_view(audit.read(cfg, actors=who, actions=what, start=start, end=end))
st.caption(view.caption)
st.dataframe(
    view.table,
    hide_index=True,
    width="stretch",
    column_config={c: st.column_config.TextColumn(c) for c in VIEW_COLUMNS},
    key="audit_table",
)
st.download_button(
    "Download the audit trail (CSV)",
    view.csv,
    file_name="audit_trail.csv",
    mime="text/csv",
    key="download-audit",
    on_click=on_download("audit_trail.csv", actors=who, actions=what, first=first, last=last),
    help="Every row these filters match, as stored: times in UTC, the detail as JSON.",
)
