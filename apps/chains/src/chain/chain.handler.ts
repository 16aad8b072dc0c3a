import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  ChainsSubjects,
  CreateChainRequest,
  DeleteChainRequest,
  GetChainRequest,
  ListChainAuditRequest,
  ListChainsRequest,
  UpdateChainRequest,
  type ChainAuditPage,
  type ChainDto,
  type ChainListResponse,
  type DeletedResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { ChainService } from './chain.service';

@Controller()
export class ChainHandler {
  constructor(
    private readonly chains: ChainService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(ChainsSubjects.list)
  @CreateRequestContext()
  list(@Payload() request: ListChainsRequest): Promise<ChainListResponse> {
    return this.chains.list(request);
  }

  @BusHandler(ChainsSubjects.get)
  @CreateRequestContext()
  get(@Payload() request: GetChainRequest): Promise<ChainDto> {
    return this.chains.get(request.slug);
  }

  @BusHandler(ChainsSubjects.create)
  @CreateRequestContext()
  create(@Payload() request: CreateChainRequest): Promise<ChainDto> {
    return this.chains.create(request.actor, request.chain);
  }

  @BusHandler(ChainsSubjects.update)
  @CreateRequestContext()
  update(@Payload() request: UpdateChainRequest): Promise<ChainDto> {
    return this.chains.update(request.actor, request.slug, request.patch);
  }

  @BusHandler(ChainsSubjects.delete)
  @CreateRequestContext()
  async delete(@Payload() request: DeleteChainRequest): Promise<DeletedResponse> {
    await this.chains.delete(request.actor, request.slug);
    return { deleted: true };
  }

  @BusHandler(ChainsSubjects.audit)
  @CreateRequestContext()
  audit(@Payload() request: ListChainAuditRequest): Promise<ChainAuditPage> {
    return this.chains.audit(request);
  }
}
