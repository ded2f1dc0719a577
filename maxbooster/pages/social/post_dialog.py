"""One post opened from the calendar: its state per network (the network's reason when it failed, a retry,
the published link and engagement), and what can be done with it now (approve, review link, queue, delete)."""

from __future__ import annotations

import reflex as rx

from maxbooster.components import theme
from maxbooster.state.social import CalendarState as S
from maxbooster.state.social import HoldState, ReviewDecision, VariantRow, VariantState
from maxbooster.state.social.assist import PostEngagementState as E


def count_tile(c: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.vstack(rx.text(c["value"], size="3", weight="bold"), rx.text(c["label"], size="1", color=theme.MUTED),
                     spacing="0", padding="6px 10px", background=theme.PANEL_RAISED, border_radius="6px",
                     min_width="72px")


def engagement_box() -> rx.Component:
    return rx.vstack(
        rx.cond(E.simulated, rx.badge("simulated — sandbox numbers, not real people", color_scheme="amber",
                                      variant="soft", size="1", data_testid="simulated")),
        rx.flex(rx.foreach(E.counts, count_tile), gap="6px", wrap="wrap", data_testid="engagement-counts"),
        rx.cond(E.series.length() > 1, rx.recharts.line_chart(  # type: ignore[attr-defined]
            rx.recharts.cartesian_grid(stroke=theme.BORDER, vertical=False),
            rx.recharts.x_axis(data_key="t", stroke=theme.MUTED, font_size=11, min_tick_gap=30),
            rx.recharts.y_axis(stroke=theme.MUTED, font_size=11, width=40),
            rx.recharts.graphing_tooltip(content_style={"background": theme.PANEL_RAISED,
                                                        "border": f"1px solid {theme.BORDER}"}),
            rx.recharts.line(data_key="reach", name="Reach", stroke=theme.ACCENT, dot=False,
                             is_animation_active=False),
            rx.recharts.line(data_key="likes", name="Likes", stroke="#e5a50a", dot=False, is_animation_active=False),
            rx.recharts.line(data_key="link_clicks", name="Link clicks", stroke="#3fb950", dot=False,
                             is_animation_active=False),
            rx.recharts.legend(), data=E.series, width="100%", height=180)),
        rx.cond(E.empty != "", rx.text(E.empty, size="1", color=theme.MUTED)),
        spacing="2", width="100%", data_testid="engagement")


def variant_line(v: VariantRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon(v.icon, size=14, aria_hidden="true"), rx.text(v.handle, size="2"),
                  rx.badge(v.state_label, color_scheme=v.tone, variant="soft", data_testid="variant-state"),
                  rx.cond(v.url != "", rx.link("View post", href=v.url, is_external=True, size="2")),
                  rx.spacer(),
                  rx.cond(v.can_retry, rx.button(rx.icon("rotate-ccw", size=13), "Retry", size="1", variant="soft",
                                                 on_click=S.retry(v.id), data_testid="retry")),
                  rx.cond(v.state == VariantState.PUBLISHED,
                          rx.button(rx.icon("chart-no-axes-column", size=13), "Engagement", size="1",
                                    variant="soft", color_scheme="gray",
                                    on_click=[S.read_metrics(v.id), E.show_engagement(v.id)],
                                    data_testid="show-engagement")),
                  width="100%", align="center", spacing="2", wrap="wrap"),
        rx.cond(v.reason != "", rx.text(v.reason, size="1", color="#ff9b9b", data_testid="variant-reason")),
        rx.cond(v.metrics != "", rx.text(v.metrics, size="1", color=theme.MUTED, data_testid="variant-metrics")),
        rx.cond(E.shown_id == v.id, engagement_box()),
        spacing="1", width="100%", padding="6px 0", border_top=f"1px solid {theme.BORDER}")


def approval_box() -> rx.Component:
    post = S.current
    waiting = (post.state == HoldState.AWAITING_APPROVAL) | (post.state == HoldState.CHANGES_REQUESTED)
    return rx.vstack(
        rx.cond(post.hold_comment != "", rx.callout("Reviewer: " + post.hold_comment, icon="message-square",
                                                    color_scheme="orange", size="1", width="100%")),
        rx.cond(waiting, rx.vstack(
            rx.text_area(placeholder="Comment (needed to request changes)", value=S.comment,
                         on_change=S.set_comment, aria_label="Comment", rows="2", width="100%"),
            rx.hstack(rx.button("Approve", color_scheme="green", size="2", on_click=S.decide(ReviewDecision.APPROVE),
                                data_testid="approve"),
                      rx.button("Request changes", color_scheme="orange", variant="soft", size="2",
                                on_click=S.decide(ReviewDecision.REQUEST_CHANGES)),
                      spacing="2", wrap="wrap"),
            spacing="2", width="100%")),
        rx.cond(S.review_link != "", rx.vstack(
            rx.text("Send this link to the reviewer (works once, no account needed):", size="1", color=theme.MUTED),
            rx.input(value=S.review_link, read_only=True, width="100%", data_testid="review-link"),
            spacing="1", width="100%")),
        spacing="2", width="100%")


def actions() -> rx.Component:
    post = S.current
    return rx.flex(
        rx.cond(post.state == HoldState.DRAFT,
                rx.button(rx.icon("calendar-check", size=14), "Schedule it", size="2", on_click=S.schedule_draft)),
        rx.cond(post.movable, rx.fragment(
            rx.button(rx.icon("link", size=14), "Review link", size="2", variant="soft", on_click=S.make_review_link,
                      data_testid="make-review-link"),
            rx.cond(post.state == VariantState.SCHEDULED,
                    rx.button(rx.icon("shield-check", size=14), "Needs approval", size="2", variant="soft",
                              color_scheme="violet", on_click=S.ask_approval)),
            rx.button(rx.icon("list-plus", size=14), "Add to queue", size="2", variant="soft", on_click=S.queue))),
        rx.spacer(),
        rx.button(rx.icon("trash-2", size=14), "Delete", size="2", variant="soft", color_scheme="red",
                  on_click=S.delete),
        spacing="2", wrap="wrap", width="100%")


def post_dialog() -> rx.Component:
    post = S.current
    return rx.dialog.root(rx.dialog.content(
        rx.cond(post, rx.vstack(
            rx.dialog.title(rx.hstack(rx.text(post.when), rx.badge(post.state_label, color_scheme=post.tone),
                                      spacing="2", align="center", wrap="wrap")),
            rx.dialog.description(post.text, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            rx.vstack(rx.foreach(post.variants, variant_line), spacing="0", width="100%"),
            approval_box(),
            actions(),
            rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray",
                                                on_click=S.close_post)), justify="end", width="100%"),
            spacing="3", width="100%")),
        max_width="560px", data_testid="post-dialog"),
        open=S.open_id != "", on_open_change=lambda _o: S.close_post)
