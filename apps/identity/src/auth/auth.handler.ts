import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  ForgotPasswordRequest,
  IdentitySubjects,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  ResetPasswordRequest,
  VerifyEmailRequest,
  type DoneResponse,
  type SignInResponse,
  type RegisterResponse,
  type TokenPairResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { AuthService } from './auth.service';

@Controller()
export class AuthHandler {
  constructor(
    private readonly auth: AuthService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(IdentitySubjects.register)
  @CreateRequestContext()
  register(@Payload() request: RegisterRequest): Promise<RegisterResponse> {
    return this.auth.register(request);
  }

  @BusHandler(IdentitySubjects.login)
  @CreateRequestContext()
  login(@Payload() request: LoginRequest): Promise<SignInResponse> {
    return this.auth.login(request);
  }

  @BusHandler(IdentitySubjects.refresh)
  @CreateRequestContext()
  refresh(@Payload() request: RefreshRequest): Promise<TokenPairResponse> {
    return this.auth.refresh(request.refreshToken, request.client);
  }

  @BusHandler(IdentitySubjects.logout)
  @CreateRequestContext()
  async logout(@Payload() request: LogoutRequest): Promise<DoneResponse> {
    await this.auth.logout(request.refreshToken, request.client);
    return { done: true };
  }

  @BusHandler(IdentitySubjects.verifyEmail)
  @CreateRequestContext()
  async verifyEmail(@Payload() request: VerifyEmailRequest): Promise<DoneResponse> {
    await this.auth.verifyEmail(request.token, request.client);
    return { done: true };
  }

  @BusHandler(IdentitySubjects.forgotPassword)
  @CreateRequestContext()
  async forgotPassword(@Payload() request: ForgotPasswordRequest): Promise<DoneResponse> {
    await this.auth.forgotPassword(request);
    return { done: true };
  }

  @BusHandler(IdentitySubjects.resetPassword)
  @CreateRequestContext()
  async resetPassword(@Payload() request: ResetPasswordRequest): Promise<DoneResponse> {
    await this.auth.resetPassword(request);
    return { done: true };
  }
}
