from wagtail import hooks

from home.page_requests import is_form_page


@hooks.register("before_serve_page")
def mark_form_pages(page, request, serve_args, serve_kwargs):
    """Form pages are never cached, whatever their headers: their HTML holds per-visitor
    tokens (``is_form_page``). The page cache reads the mark on the way out."""
    if is_form_page(page):
        request.page_cache_exempt = True
