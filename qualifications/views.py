from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from .models import Qualification


class QualificationListView(ListView):
    template_name = "qualifications/qualification_list.html"
    context_object_name = "qualifications"
    paginate_by = 20

    def get_queryset(self):
        return Qualification.objects.published().for_catalogue()


class QualificationDetailView(DetailView):
    template_name = "qualifications/qualification_detail.html"
    context_object_name = "qualification"

    def get_queryset(self):
        return Qualification.objects.visible_to(self.request.user).for_detail_page()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published:
            # A draft preview must never sit in a shared cache.
            add_never_cache_headers(response)
        return response


@require_safe
def factsheet_view(request, slug):
    # WeasyPrint takes about a second to import: only this view pays for it, not every
    # management command (under gunicorn it is already loaded, see gunicorn.conf.py).
    from .factsheets import render_factsheet

    qualification = get_object_or_404(
        Qualification.objects.visible_to(request.user).for_detail_page(), slug=slug
    )
    response = HttpResponse(render_factsheet(qualification), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{qualification.factsheet_filename}"'
    if qualification.is_published:
        patch_cache_control(response, public=True, max_age=300)
    else:
        add_never_cache_headers(response)
    return response


@never_cache
@require_safe
def healthz_view(request):
    """200 when the database answers, 503 when it does not: for a load balancer's health check."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
