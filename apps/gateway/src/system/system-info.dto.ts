import { ApiProperty } from '@nestjs/swagger';
import { SERVICE_NAMES, type ServiceName } from '@northstar/contracts';

export class ServiceStatusDto {
  @ApiProperty({ enum: SERVICE_NAMES })
  name!: ServiceName;

  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiProperty({ nullable: true, type: String, description: 'null when the service did not answer' })
  version!: string | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Round trip of the ping over the bus' })
  latencyMs!: number | null;
}

export class SystemInfoDto {
  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ type: [ServiceStatusDto] })
  services!: ServiceStatusDto[];
}
