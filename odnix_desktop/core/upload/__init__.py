"""The Odnix upload client: log in, check, send compressed media, remember what was sent.

No Qt here: the CLI, the window's jobs and the tests call the same functions, each with a
progress callback and a cancel token.
"""

from odnix_desktop.core.upload.answers import LinkPolicy
from odnix_desktop.core.upload.credentials import Account, TokenStore, load_account
from odnix_desktop.core.upload.errors import (
    AnswerNotUnderstoodError,
    AnswerTooLargeError,
    ConnectionLostError,
    HistoryError,
    InsecureServerError,
    LoginFailedError,
    LoginRequiredError,
    OutcomeUnknownError,
    PreflightError,
    ServerAddressError,
    ServerError,
    TLSError,
    UploadError,
    UploadRefusedError,
)
from odnix_desktop.core.upload.history import HistoryRow, UploadHistory, UploadStatus
from odnix_desktop.core.upload.preflight import PreflightReport, Target, preflight
from odnix_desktop.core.upload.server import ServerAddress
from odnix_desktop.core.upload.session import Session, login, logout, remember, restore, verify
from odnix_desktop.core.upload.targets import (
    ENDPOINTS,
    Order,
    StoryStyle,
    UploadResult,
    send_chat_media,
    upload,
    upload_post,
    upload_profile_picture,
    upload_reel,
    upload_story,
)
from odnix_desktop.core.upload.transport import HttpSettings, UploadProgress

__all__ = [
    "ENDPOINTS",
    "AnswerNotUnderstoodError",
    "AnswerTooLargeError",
    "LinkPolicy",
    "Order",
    "Account",
    "ConnectionLostError",
    "HistoryError",
    "HistoryRow",
    "HttpSettings",
    "InsecureServerError",
    "LoginFailedError",
    "LoginRequiredError",
    "OutcomeUnknownError",
    "PreflightError",
    "PreflightReport",
    "ServerAddress",
    "ServerAddressError",
    "ServerError",
    "Session",
    "StoryStyle",
    "TLSError",
    "Target",
    "TokenStore",
    "UploadError",
    "UploadHistory",
    "UploadProgress",
    "UploadRefusedError",
    "UploadResult",
    "UploadStatus",
    "load_account",
    "login",
    "logout",
    "preflight",
    "remember",
    "restore",
    "send_chat_media",
    "upload",
    "upload_post",
    "upload_profile_picture",
    "upload_reel",
    "upload_story",
    "verify",
]
