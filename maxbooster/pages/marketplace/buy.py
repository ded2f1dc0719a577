"""The buyer's side: cart with lines per seller and "Pay", the sandbox's pay page (test mode), an order
with its licenses (hash, PDF, public check) and download buttons, cap warnings; the public license check."""

from __future__ import annotations

import reflex as rx

from maxbooster import routes
from maxbooster.components import theme
from maxbooster.components.billing import test_mode_badge
from maxbooster.components.layout import app_page, link_button, panel, public_page
from maxbooster.components.marketplace import cap_warning, market_frame
from maxbooster.state.marketplace import CapRow, CartRow, DownloadRow, LineRow, OrderLineStatus, OrderRow, OrderStatus
from maxbooster.state.marketplace import CartState as C
from maxbooster.state.marketplace import OrderState as O
from maxbooster.state.marketplace import VerifyState as V


def _cart_line(line: CartRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(line.title, size="3", weight="medium"),
                  rx.hstack(rx.badge(line.tier, variant="soft"), rx.text("from ", line.seller, size="1",
                                                                         color=theme.MUTED),
                            rx.cond(~line.available, rx.badge("No longer on sale", color_scheme="red")), spacing="2"),
                  spacing="1", min_width="0", flex="1"),
        rx.hstack(rx.text(line.price, size="3", weight="bold", white_space="nowrap"),
                  rx.icon_button(rx.icon("trash-2", size=15), size="1", variant="ghost", color_scheme="gray",
                                 aria_label="Remove from cart", on_click=C.remove(line.listing_id)),
                  spacing="3", align="center"),
        spacing="3", align="center", width="100%", padding_y="12px", border_bottom=f"1px solid {theme.BORDER}",
        data_testid="cart-line")


def _order_row(o: OrderRow) -> rx.Component:
    return rx.flex(rx.link(o.date, href=o.url, size="2"), rx.spacer(), rx.text(o.total, size="2"),
                   rx.badge(o.status, variant="soft"), spacing="3", align="center", width="100%", padding_y="8px",
                   border_bottom=f"1px solid {theme.BORDER}", data_testid="order-row")


def _cap(w: CapRow) -> rx.Component:
    return cap_warning(w.title, w.message, w.upgrade, w.upgrade_url)


@app_page(routes.MARKET_CART, "Cart", on_load=C.load)
def cart_page() -> rx.Component:
    return rx.vstack(
        rx.foreach(C.warnings, _cap),
        rx.grid(
            panel(rx.vstack(
                rx.hstack(rx.heading("Your cart", size="4", as_="h2"), rx.spacer(), test_mode_badge(C.test_mode),
                          width="100%", align="center", wrap="wrap"),
                rx.cond(C.lines.length() > 0, rx.box(rx.foreach(C.lines, _cart_line), width="100%"),
                        rx.vstack(rx.text("Your cart is empty.", size="2", color=theme.MUTED),
                                  link_button("Browse the marketplace", routes.MARKET, size="2", variant="soft"))),
                rx.cond(C.lines.length() > 0, rx.flex(
                    rx.text("Total", size="3", color=theme.MUTED), rx.spacer(),
                    rx.text(C.total, size="5", weight="bold", data_testid="cart-total"), width="100%",
                    align="baseline")),
                rx.cond(C.lines.length() > 0, rx.button(rx.icon("lock", size=15, aria_hidden="true"), "Pay",
                                                         size="3", width="100%", on_click=C.pay, loading=C.busy,
                                                         disabled=~C.is_hydrated, data_testid="pay")),
                spacing="3", width="100%"), width="100%"),
            panel(rx.vstack(rx.heading("Your orders", size="4", as_="h2"),
                            rx.cond(C.orders.length() > 0, rx.box(rx.foreach(C.orders, _order_row), width="100%"),
                                    rx.text("No orders yet.", size="2", color=theme.MUTED)),
                            spacing="3", width="100%"), width="100%"),
            columns=rx.breakpoints(initial="1", lg="3fr 2fr"), spacing="4", width="100%"),
        spacing="4", width="100%", max_width="1100px")


@app_page(routes.MARKET_PAY, "Pay (test mode)", on_load=O.load)
def pay_page() -> rx.Component:
    return rx.center(panel(rx.vstack(
        test_mode_badge(True),
        rx.heading("Sandbox payment", size="5", as_="h2"),
        rx.cond(O.found, rx.vstack(
            rx.text("Order total", size="2", color=theme.MUTED),
            rx.text(O.total, size="7", weight="bold", data_testid="pay-total"),
            rx.text("This is the test-mode payment page: no card is charged and no real money moves.", size="2",
                    color=theme.MUTED),
            rx.button("Pay ", O.total, size="3", width="100%", on_click=O.pay_sandbox, loading=O.busy,
                      disabled=~O.is_hydrated, data_testid="sandbox-pay"),
            spacing="3", width="100%"),
            rx.text("This order is not yours or does not exist; start again from your cart.", size="2")),
        spacing="4", width="100%"), width="100%", max_width="440px"), width="100%", padding_top="24px")


def _download(d: DownloadRow) -> rx.Component:
    return rx.cond(d.url != "",
                   rx.button(rx.el.a(rx.icon("download", size=14, aria_hidden="true"), "Download ", d.deliverable,
                                     href=d.url, download=""), as_child=True, size="2", data_testid="download"),
                   rx.badge(d.deliverable, " · ", rx.cond(d.state != "", d.state, "unavailable"), color_scheme="gray",
                            variant="soft", data_testid="download-revoked"))


def _line(line: LineRow) -> rx.Component:
    return panel(rx.vstack(
        rx.flex(rx.vstack(rx.text(line.title, size="4", weight="bold"), rx.badge(line.tier, variant="soft"),
                          spacing="1"),
                rx.spacer(),
                rx.vstack(rx.text(line.price, size="4", weight="bold"),
                          rx.badge(line.status,
                                   color_scheme=rx.cond(line.status == OrderLineStatus.PAID, "green", "gray"),
                                   data_testid="line-status"),
                          rx.cond(line.refunded != "", rx.text("Refunded ", line.refunded, size="1",
                                                                color=theme.MUTED)), align="end", spacing="1"),
                width="100%", spacing="3", wrap="wrap"),
        rx.cond(line.license_hash != "", rx.vstack(
            rx.hstack(rx.text("License", size="2", weight="medium"),
                      rx.badge(line.license_state, color_scheme=rx.cond(line.license_state == "Valid", "green", "red"),
                               data_testid="license-state"), spacing="2", align="center"),
            rx.code(line.license_hash, size="1", word_break="break-all", data_testid="license-hash"),
            rx.flex(rx.button(rx.el.a(rx.icon("file-text", size=14, aria_hidden="true"), "Download license PDF",
                                      href=line.license_pdf, download="license.pdf"), as_child=True, size="2",
                              variant="soft", data_testid="license-pdf"),
                    rx.link("Check this license", href=line.verify_url, size="2", data_testid="verify-link"),
                    spacing="4", align="center", wrap="wrap"),
            spacing="2", width="100%")),
        rx.flex(rx.foreach(line.downloads, _download), spacing="2", wrap="wrap"),
        rx.cond(line.cap_message != "", cap_warning("Your song passed this license's limit", line.cap_message,
                                                    line.cap_upgrade, line.cap_upgrade_url)),
        rx.cond((line.status == OrderLineStatus.PAID) & (line.license_hash != ""), _song_link(line)),
        spacing="3", width="100%"), width="100%", data_testid="order-line")


def _song_link(line: LineRow) -> rx.Component:
    """Which of your released songs uses this license, so its streams are checked against the cap."""
    return rx.vstack(
        rx.el.label(rx.text("Used in your song", size="2", weight="medium"), html_for="song-" + line.id),
        rx.cond(O.songs.length() > 0, rx.el.select(
            rx.el.option("Not used in a release yet", value=""),
            rx.foreach(O.songs, lambda s: rx.el.option(s[1], value=s[0])),
            id="song-" + line.id, value=line.song_id, on_change=lambda v: O.link_song(line.id, v),
            data_testid="song-link",
            style={"width": "100%", "maxWidth": "480px", "padding": "6px", "background": theme.PANEL_RAISED,
                   "color": theme.TEXT, "border": f"1px solid {theme.BORDER}", "borderRadius": "6px"}),
            rx.text("Add the song to a release first (Releases); then pick it here.", size="2", color=theme.MUTED)),
        rx.text("Its streams from your imported statements are counted against this license's limit; you are "
                "warned here and on your home page when it passes.", size="1", color=theme.MUTED),
        spacing="1", width="100%", padding_top="8px", border_top=f"1px solid {theme.BORDER}")


@app_page(routes.MARKET_ORDER, "Order", on_load=O.load)
def order_page() -> rx.Component:
    return rx.vstack(
        rx.cond(O.found, rx.vstack(
            rx.flex(rx.text("Ordered ", O.date, size="2", color=theme.MUTED),
                    rx.badge(O.status, size="2", data_testid="order-status"), rx.spacer(),
                    rx.text(O.total, size="4", weight="bold"),
                    rx.cond(O.paid, rx.button(rx.icon("mail", size=14), "Email receipt", size="1", variant="soft",
                                              on_click=O.resend_receipt, data_testid="resend-receipt")),
                    rx.button(rx.icon("refresh-cw", size=14), "Refresh", size="1", variant="soft",
                              on_click=O.refresh),
                    spacing="3", align="center", width="100%", wrap="wrap"),
            rx.cond(O.status == OrderStatus.PENDING, rx.callout("The payment is being confirmed; refresh in a moment.",
                                                       icon="clock", width="100%")),
            rx.foreach(O.lines, _line),
            spacing="4", width="100%"),
            rx.text("This order is not yours or does not exist.", size="2", color=theme.MUTED)),
        link_button("Back to your cart and orders", routes.MARKET_CART, size="2", variant="soft",
                    color_scheme="gray"),
        spacing="4", width="100%", max_width="900px")


@public_page(routes.MARKET_VERIFY, "Check a license", on_load=V.load)
def verify_page() -> rx.Component:
    return market_frame(
        "Check a license",
        rx.text("Paste the license's fingerprint (SHA-256, printed on the license PDF) to see whether it is valid.",
                size="2", color=theme.MUTED),
        rx.form(rx.flex(rx.input(name="hash", default_value=V.sha256, placeholder="64 hex characters",
                                 aria_label="License fingerprint", size="3", flex="1", min_width="0"),
                        rx.button("Check", size="3", type="submit"), spacing="2", width="100%"),
                on_submit=V.check, width="100%"),
        rx.cond(V.status != "", panel(rx.vstack(
            rx.badge(V.label, size="3", color_scheme=V.color, data_testid="verify-status"),
            rx.cond(V.reason != "", rx.text(V.reason, size="2", data_testid="verify-reason")),
            rx.foreach(V.details, lambda r: rx.hstack(rx.text(r[0], size="2", color=theme.MUTED, min_width="90px"),
                                                      rx.text(r[1], size="2"), spacing="3")),
            spacing="3", width="100%"), width="100%")),
    )
