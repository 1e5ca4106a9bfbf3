from django.urls import path

from . import views

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
    path("qualifications/<slug:slug>.json", views.qualification_json_view, name="detail-json"),
]
