from django.urls import path

from . import views

app_name = "qualifications"

urlpatterns = [
    path("", views.QualificationListView.as_view(), name="list"),
    path("qualifications/<slug:slug>/", views.QualificationDetailView.as_view(), name="detail"),
    path("qualifications/<slug:slug>/factsheet.pdf", views.factsheet_view, name="factsheet"),
]
