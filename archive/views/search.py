"""The search page (the searching itself is archive/search/)."""

from django.shortcuts import render

from archive.search import results as search_results
from archive.search.forms import SearchForm


def search(request):
    """Anyone: full-text search over the archive and the notes this reader may see."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and not form.query.is_empty:
        results = search_results.search(form.query, form.cleaned_data, request.user)
        for facet in results.facets:
            for choice in facet.values:
                choice.url = _facet_url(request, facet.name, choice)
    elif not form.is_bound:
        form = SearchForm()
    return render(
        request,
        "archive/search.html",
        {"form": form, "query": getattr(form, "query", None), "results": results},
    )


def _facet_url(request, name, choice):
    """This search with the facet value chosen, or removed when it is the one chosen."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    if choice.selected:
        params.pop(name, None)
    else:
        params[name] = choice.value
    return "?" + params.urlencode()
