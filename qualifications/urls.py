from django.urls import path

from . import views

app_name = "qualifications"

urlpatterns = [
    path("", views.QualificationListView.as_view(), name="list"),
    path("qualifications/<slug:slug>/", views.QualificationDetailView.as_view(), name="detail"),
    path("qualifications/<slug:slug>/factsheet.pdf", views.factsheet_view, name="factsheet"),
    path("qualifications.json", views.catalogue_json_view, name="list-json"),
    path("qualifications.csv", views.catalogue_csv_view, name="list-csv"),
    path("qualifications.atom", views.feed_view, name="feed"),
    path("fees.csv", views.fees_csv_view, name="fees-csv"),
    path("qualifications/<slug:slug>.json", views.qualification_json_view, name="detail-json"),
]
