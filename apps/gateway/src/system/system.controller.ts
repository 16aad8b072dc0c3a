import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { SystemInfoDto } from './system-info.dto';
import { SystemService } from './system.service';
import { ApiAccess } from '../http/api-access.decorator';

@ApiTags('System')
@Controller('system')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get('info')
  @ApiAccess({ public: true })
  @Public()
  @ApiOperation({ summary: 'Platform version and the status of every service, pinged over the bus' })
  @ApiOkResponse({ type: SystemInfoDto })
  info(): Promise<SystemInfoDto> {
    return this.system.info();
  }
}
