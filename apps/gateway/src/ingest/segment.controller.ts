import { Body, Controller, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IncomingEvent, type IngestResponse } from '@northstar/contracts';
import { Caller, type IngestCaller } from './ingest-caller';
import { IngestPaths } from './ingest-paths';
import { IngestRoute } from './ingest-route.decorator';
import { IngestService } from './ingest.service';

const perType = (type: string) => ({
  summary: `Send one ${type} event (Segment's /v1/${type}, analytics.js' /v1/${type[0]})`,
  description:
    `Segment's per-type route, also at its one-letter form /v1/${type[0]} where Segment's browser library ` +
    `posts: the body is one event whose \`type\` is ${type} (it may be left out); ` +
    'another type is a 400. An invalid event is a 400 with its failing fields.',
  body: IncomingEvent,
  bodyDescription: `One ${type} event`,
  invalid: `The event is invalid or of another type than ${type}; \`errors\` names each failing field`,
  tooLarge: 'The event is over 32 KiB, or the body over 1 MiB',
});

/**
 * Segment's HTTP tracking routes, one per type, for libraries that send events one by one. Declared
 * here, served by ingest-fast-path.ts (see EventsController).
 */
@ApiTags('Events')
@Controller()
export class SegmentController {
  constructor(private readonly ingest: IngestService) {}

  @Post([IngestPaths.track, IngestPaths.t])
  @IngestRoute(perType('track'))
  track(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller, 'track');
  }

  @Post([IngestPaths.identify, IngestPaths.i])
  @IngestRoute(perType('identify'))
  identify(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller, 'identify');
  }

  @Post([IngestPaths.page, IngestPaths.p])
  @IngestRoute(perType('page'))
  page(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller, 'page');
  }

  @Post([IngestPaths.screen, IngestPaths.s])
  @IngestRoute(perType('screen'))
  screen(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller, 'screen');
  }

  @Post([IngestPaths.group, IngestPaths.g])
  @IngestRoute(perType('group'))
  group(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller, 'group');
  }

  @Post([IngestPaths.alias, IngestPaths.a])
  @IngestRoute(perType('alias'))
  alias(@Body() body: unknown, @Caller() caller: IngestCaller): Promise<IngestResponse> {
    return this.ingest.event(body, caller, 'alias');
  }
}
