"""Accounts endpoints: register, obtain and refresh JWTs, who am I."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from app.kernel.http.parsing import customer_id, validated
from app.kernel.http.schema import problem_responses
from app.kernel.http.throttles import AuthRateThrottle
from modules.accounts import selectors, services
from modules.accounts.http.serializers import (
    CustomerSerializer,
    MeSerializer,
    RefreshRequestSerializer,
    RefreshResponseSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairResponseSerializer,
    TokenPairSerializer,
)
from modules.accounts.rules import AccountsError


class RegisterView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Register a customer",
        request=RegisterSerializer,
        responses={201: CustomerSerializer, **problem_responses(400, 415, 429)},
    )
    def post(self, request):
        data = validated(RegisterSerializer, request.data)
        try:
            user = services.customer_register(email=data["email"], password=data["password"])
        except AccountsError as error:
            raise ValidationError({error.field: error.messages}) from None
        return Response(CustomerSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    serializer_class = TokenPairSerializer
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Log in: obtain an access and a refresh token",
        responses={200: TokenPairResponseSerializer, **problem_responses(400, 401, 415, 429)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenRefreshViewV1(TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_classes = (AuthRateThrottle,)

    @extend_schema(
        summary="Exchange a refresh token for a new access token",
        request=RefreshRequestSerializer,
        responses={200: RefreshResponseSerializer, **problem_responses(400, 401, 415, 429)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class MeView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="The authenticated customer",
        responses={200: MeSerializer, **problem_responses(401, 404, 429)},
    )
    def get(self, request):
        user = selectors.user_get(user_id=customer_id(request))
        if user is None:
            raise NotFound("This account no longer exists.")
        return Response(MeSerializer(user).data)
