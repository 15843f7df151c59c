"""Marketing API."""

app_name = "marketing-api"
urlpatterns = []
