import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'northstar:public';

/** Every route requires a user's access token unless marked public. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
