from django.urls import path, register_converter

from . import unit_views, views


class UnitAddressConverter:
    """A unit's address: its Ofqual unit reference number (T/617/4242), else its own code."""

    regex = r"[A-Z]/[0-9]{3}/[0-9]{4}|[A-Za-z0-9][A-Za-z0-9_-]{0,29}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnitAddressConverter, "unit")

app_name = "qualifications"

urlpatterns = [
    path("", views.QualificationListView.as_view(), name="list"),
    path("qualifications/<slug:slug>/", views.QualificationDetailView.as_view(), name="detail"),
    path("qualifications/<slug:slug>/factsheet.pdf", views.factsheet_view, name="factsheet"),
    path(
        "qualifications/<slug:slug>/documents/versions/<int:pk>/",
        views.document_version_view,
        name="document-version",
    ),
    path(
        "qualifications/<slug:slug>/documents/cy/<slug:kind>/",
        views.document_view,
        {"language": "cy"},
        name="document-welsh",
    ),
    path(
        "qualifications/<slug:slug>/documents/cy/<slug:kind>/<slug:document>/",
        views.document_view,
        {"language": "cy"},
        name="document-welsh-named",
    ),
    path("qualifications/<slug:slug>/documents/<slug:kind>/", views.document_view, name="document"),
    path(
        "qualifications/<slug:slug>/documents/<slug:kind>/<slug:document>/",
        views.document_view,
        name="document-named",
    ),
    path("qualifications.json", views.catalogue_json_view, name="list-json"),
    path("qualifications.csv", views.catalogue_csv_view, name="list-csv"),
    path("qualifications.atom", views.feed_view, name="feed"),
    path("fees.csv", views.fees_csv_view, name="fees-csv"),
    path("qualifications/<slug:slug>.json", views.qualification_json_view, name="detail-json"),
    path("qualifications/<slug:slug>/structure/", unit_views.structure_view, name="structure"),
    path("units/<unit:address>/", unit_views.unit_view, name="unit"),
    path("units/<unit:address>.json", unit_views.unit_json_view, name="unit-json"),
    path("units.csv", unit_views.units_csv_view, name="units-csv"),
]
