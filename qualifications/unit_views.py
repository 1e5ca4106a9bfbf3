"""A unit's page and JSON, the CSV of every unit, and a qualification's rules-of-combination
checker. Rendered on each request, in a fixed number of queries: what they show follows the
qualifications that hold a unit, which a unit's own version does not say."""

from django.core.exceptions import TooManyFieldsSent
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import opendata
from .models import Qualification, Unit
from .site import absolute_url
from .units import MAX_CHOSEN, evaluate
from .views import (
    _json_error,
    _readable_anywhere,
    previewing,
    serve_catalogue_kept,
    withdrawn_response,
)

# What the checker shows of an address it was given that names no unit of the qualification.
SHOWN_ADDRESS = 40


def _unit(request, address):
    preview = previewing(request)
    units = Unit.objects.all() if preview else Unit.objects.published()
    unit = units.at(address).for_unit_page(preview=preview).first()
    if unit is None:
        raise Http404("No unit has that address.")
    return unit


@require_safe
def unit_view(request, address):
    unit = _unit(request, address)
    return render(
        request,
        "qualifications/unit_detail.html",
        {"unit": unit, "canonical_url": absolute_url(request, unit.get_absolute_url())},
    )


@require_safe
def unit_json_view(request, address):
    try:
        unit = _unit(request, address)
    except Http404:
        return _readable_anywhere(_json_error(404, "No published unit has that address."))
    data = opendata.unit_data(unit, lambda path: absolute_url(request, path))
    return _readable_anywhere(JsonResponse(data))


@require_safe
def units_csv_view(request):
    def render_csv():
        return HttpResponse(opendata.units_csv(), content_type="text/csv; charset=utf-8")

    response = _readable_anywhere(serve_catalogue_kept(request, render_csv, key=("units.csv",)))
    response["Content-Disposition"] = 'attachment; filename="units.csv"'
    return response


@require_safe
def structure_view(request, slug):
    """The rules-of-combination checker: `?unit=REF&unit=REF` says whether that choice meets
    the rules, and why not, group by group."""
    preview = previewing(request)
    qualifications = Qualification.objects.all() if preview else Qualification.objects.published()
    qualification = qualifications.for_structure().filter(slug=slug).first()
    if qualification is None:
        return withdrawn_response(request, slug)
    structure = qualification.structure
    if not structure:
        raise Http404("The units of this qualification are not published.")
    status, problem, answer, chosen = 200, "", None, []
    try:
        asked = "unit" in request.GET or "check" in request.GET
        chosen = request.GET.getlist("unit")
    except TooManyFieldsSent:
        asked, status = True, 400
        problem = "That is too many units to check at once: choose at most one of each."
    if asked and not problem:
        distinct = dict.fromkeys(value.strip() for value in chosen if value.strip())
        if len(distinct) > MAX_CHOSEN:
            status = 400
            problem = (
                f"That is {len(distinct):,} units: this qualification has "
                f"{len(structure.units)}, so choose from those."
            )
        else:
            answer = evaluate(structure, list(distinct))
            answer.unknown = [
                address if len(address) <= SHOWN_ADDRESS else address[:SHOWN_ADDRESS] + "…"
                for address in answer.unknown
            ]
    return render(
        request,
        "qualifications/structure_checker.html",
        {
            "qualification": qualification,
            "structure": structure,
            "answer": answer,
            "problem": problem,
            "chosen": set(chosen),
            "canonical_url": absolute_url(request, request.path),
        },
        status=status,
    )
