import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  CountOrgKeysRequest,
  CreateKeyRequest,
  KeyRequest,
  KeysSubjects,
  ListKeysRequest,
  RotateKeyRequest,
  UpdateKeyRequest,
  VerifyKeyRequest,
  type ApiKeyDto,
  type ApiKeyListResponse,
  type CreatedApiKeyDto,
  type KeyEndpointDto,
  type OrgKeyCountResponse,
  type RevokedResponse,
  type RotatedApiKeyDto,
  type VerifyKeyResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { VerificationService } from '../verification/verification.service';
import { KeyService } from './key.service';

@Controller()
export class KeyHandler {
  constructor(
    private readonly keys: KeyService,
    private readonly verification: VerificationService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(KeysSubjects.create)
  @CreateRequestContext()
  create(@Payload() request: CreateKeyRequest): Promise<CreatedApiKeyDto> {
    return this.keys.create(request);
  }

  @BusHandler(KeysSubjects.countOrgKeys)
  @CreateRequestContext()
  countOfOrg(@Payload() request: CountOrgKeysRequest): Promise<OrgKeyCountResponse> {
    return this.keys.countOfOrg(request);
  }

  @BusHandler(KeysSubjects.list)
  @CreateRequestContext()
  list(@Payload() request: ListKeysRequest): Promise<ApiKeyListResponse> {
    return this.keys.list(request);
  }

  @BusHandler(KeysSubjects.get)
  @CreateRequestContext()
  get(@Payload() request: KeyRequest): Promise<ApiKeyDto> {
    return this.keys.get(request);
  }

  @BusHandler(KeysSubjects.update)
  @CreateRequestContext()
  update(@Payload() request: UpdateKeyRequest): Promise<ApiKeyDto> {
    return this.keys.update(request);
  }

  @BusHandler(KeysSubjects.rotate)
  @CreateRequestContext()
  rotate(@Payload() request: RotateKeyRequest): Promise<RotatedApiKeyDto> {
    return this.keys.rotate(request);
  }

  @BusHandler(KeysSubjects.revoke)
  @CreateRequestContext()
  async revoke(@Payload() request: KeyRequest): Promise<RevokedResponse> {
    await this.keys.revoke(request);
    return { revoked: true };
  }

  @BusHandler(KeysSubjects.endpoints)
  @CreateRequestContext()
  endpoints(@Payload() request: KeyRequest): Promise<KeyEndpointDto[]> {
    return this.keys.endpoints(request);
  }

  @BusHandler(KeysSubjects.verify)
  @CreateRequestContext()
  verify(@Payload() request: VerifyKeyRequest): Promise<VerifyKeyResponse> {
    return this.verification.verify(request.hash);
  }
}
