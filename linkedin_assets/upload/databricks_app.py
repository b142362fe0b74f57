"""The upload page as a Databricks App (the bundle's `apps` resource, resources/apps.yml).

The platform runs this with the app's environment: DATABRICKS_APP_PORT to listen on, the
app's service principal's credentials for the SDK, and the bundle's LINKEDIN_* settings.
Every request reaches it through the workspace's sign-in, so the page's own token is not
needed there; accepted files land in the UC landing volumes through the Files API.
"""

from __future__ import annotations

import uvicorn
from databricks.sdk import WorkspaceClient

from linkedin_assets.core.settings import DatabricksSettings, environment_value
from linkedin_assets.upload.app import create_app
from linkedin_assets.upload.volumes import VolumeTarget


def main() -> None:
    port = int(environment_value("DATABRICKS_APP_PORT") or 8000)
    target = VolumeTarget(WorkspaceClient(), DatabricksSettings.from_env())
    uvicorn.run(create_app(target), host="0.0.0.0", port=port, log_level="warning")


if __name__ == "__main__":
    main()
