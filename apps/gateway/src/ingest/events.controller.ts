import { Body, Controller, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EventBatchRequest, IncomingEvent, type IngestResponse } from '@northstar/contracts';
import { Caller, type IngestCaller } from './ingest-caller';
import { IngestPaths } from './ingest-paths';
import { IngestRoute } from './ingest-route.decorator';
import { IngestService } from './ingest.service';

// Bodies are taken as they come (`unknown`): intake validates each event on its own and ignores the
// fields SDKs add, where the global pipe would refuse the whole request for one unknown field.
// These routes are declared here (route config, OpenAPI) but Fastify serves them through
// ingest-fast-path.ts, which makes the same IngestService calls without Nest's pipeline.
@ApiTags('Events')
@Controller()
export class EventsController {
  constructor(private readonly ingest: IngestService) {}

  @Post(IngestPaths.events)
  @IngestRoute({
    summary: 'Send one event',
    description:
      'One event of any type (`track`, `page`, `screen`, `identify`, `group`, `alias`, `transaction`, ' +
      '`wallet`). An invalid event is a 400 with its failing fields.',
    body: IncomingEvent,
    bodyDescription: 'One event; `sentAt` in it corrects the client clock',
    invalid: 'The event is invalid, or the body is not JSON; `errors` names each failing field',
    tooLarge: 'The event is over 32 KiB, or the body over 1 MiB',
  })
  event(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller);
  }

  @Post([IngestPaths.batch, IngestPaths.b])
  @IngestRoute({
    summary: 'Send a batch of events',
    description:
      "Segment's batch format: each event is validated on its own; invalid ones are listed in `rejected` " +
      'by index and the valid ones accepted. Point a Segment or RudderStack library here (host = the ' +
      "gateway, path `/v1/batch`); `/v1/b` is the same route, where Segment's browser library posts in its " +
      'batching mode.',
    body: EventBatchRequest,
    bodyDescription: '`sentAt` applies to the events without their own',
    invalid:
      'The body is not a batch (`batch` must be an array) or not JSON, or `sentAt` is malformed. Invalid ' +
      'events alone do not make the request invalid: they are listed in the 202 answer',
    tooLarge: 'More than 500 events, or a body over 1 MiB (after decompression)',
  })
  batch(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.batch(body, caller);
  }
}
