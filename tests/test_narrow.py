"""Leaders read on phones: at 390 px wide the pages changed by issue 10 do not scroll sideways
(the user bar, the menu and the pickers wrap; wide tables scroll inside their own box)."""
import pytest

PAGES = ("/", "/county/140802", "/compare", "/metric/clue_verification_rate")
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.parametrize("role", ["leader", "county"])
def test_no_sideways_scroll_at_390px(demo_db_url, tmp_path, open_page, role):
    from browser_support import running_app, wait_for_dash
    with running_app(tmp_path, demo_db_url) as srv:
        phone = open_page(390, 844, server=srv, role=role)
        for path in PAGES:
            phone.page.goto(srv + path)
            wait_for_dash(phone.page)
            phone.page.wait_for_timeout(500)
            assert phone.page.evaluate(OVERFLOW) <= 1, f"{path} scrolls sideways at 390 px as {role}"
        phone.check_clean()
